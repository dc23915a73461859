-- CSV import jobs (POST /api/v1/imports, issue 6): the job, its file, its committed batches and its row errors.

-- CreateEnum
CREATE TYPE "ImportStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "import_jobs" (
    "id" UUID NOT NULL,
    "actor_type" VARCHAR(16) NOT NULL,
    "actor_id" UUID,
    "actor" VARCHAR(320) NOT NULL,
    "actor_role" VARCHAR(16) NOT NULL,
    "filename" VARCHAR(255),
    "sha256" CHAR(64) NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "status" "ImportStatus" NOT NULL DEFAULT 'queued',
    "total_rows" INTEGER,
    "error" VARCHAR(1000),
    "request_id" VARCHAR(128),
    "trace_id" VARCHAR(32),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "lease_until" TIMESTAMPTZ(3),

    CONSTRAINT "import_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "import_files" (
    "job_id" UUID NOT NULL,
    "content" TEXT NOT NULL,

    CONSTRAINT "import_files_pkey" PRIMARY KEY ("job_id")
);

-- CreateTable
CREATE TABLE "import_batches" (
    "job_id" UUID NOT NULL,
    "batch_no" INTEGER NOT NULL,
    "first_line" INTEGER NOT NULL,
    "last_line" INTEGER NOT NULL,
    "rows" INTEGER NOT NULL,
    "created" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_batches_pkey" PRIMARY KEY ("job_id","batch_no")
);

-- CreateTable
CREATE TABLE "import_row_errors" (
    "job_id" UUID NOT NULL,
    "line" INTEGER NOT NULL,
    "email" VARCHAR(320),
    "reason" VARCHAR(1000) NOT NULL,

    CONSTRAINT "import_row_errors_pkey" PRIMARY KEY ("job_id","line")
);

-- CreateIndex
CREATE INDEX "import_jobs_status_lease_until_idx" ON "import_jobs"("status", "lease_until");

-- CreateIndex
CREATE INDEX "import_jobs_created_at_id_idx" ON "import_jobs"("created_at", "id");

-- AddForeignKey
ALTER TABLE "import_files" ADD CONSTRAINT "import_files_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "import_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_batches" ADD CONSTRAINT "import_batches_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "import_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_row_errors" ADD CONSTRAINT "import_row_errors_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "import_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;


