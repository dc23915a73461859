-- Issue 20: domain events in a transactional outbox, written in the unit of work of the change they announce,
-- relayed in outbox order by one leader (docs/decisions/016-events-outbox.md).
-- CreateTable
CREATE TABLE "outbox" (
    "position" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "subject_type" VARCHAR(16) NOT NULL,
    "subject_id" VARCHAR(100) NOT NULL,
    "sequence" INTEGER NOT NULL,
    "actor_type" VARCHAR(16) NOT NULL,
    "actor_id" UUID,
    "actor" VARCHAR(320) NOT NULL,
    "request_id" VARCHAR(128),
    "trace_id" VARCHAR(32),
    "payload_version" SMALLINT NOT NULL,
    "payload" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("position")
);

-- CreateTable
CREATE TABLE "outbox_subjects" (
    "subject_type" VARCHAR(16) NOT NULL,
    "subject_id" VARCHAR(100) NOT NULL,
    "last_sequence" INTEGER NOT NULL,

    CONSTRAINT "outbox_subjects_pkey" PRIMARY KEY ("subject_type","subject_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_id_key" ON "outbox"("id");

-- CreateIndex
CREATE INDEX "outbox_delivered_at_position_idx" ON "outbox"("delivered_at", "position");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_subject_type_subject_id_sequence_key" ON "outbox"("subject_type", "subject_id", "sequence");


