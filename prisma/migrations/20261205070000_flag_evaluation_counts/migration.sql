-- Feature flag evaluations per flag, day and variation, summed over replicas (issue 9: stale flags).
-- CreateTable
CREATE TABLE "flag_evaluation_counts" (
    "flag_key" VARCHAR(100) NOT NULL,
    "day" DATE NOT NULL,
    "variation" VARCHAR(100) NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "flag_evaluation_counts_pkey" PRIMARY KEY ("flag_key","day","variation")
);
