-- Issue 18: an import's file is stored in chunks as it arrives (item 7: no upload is ever whole in a process's
-- memory), and a job records why it is paused while a flag refuses its uploader's writes (item 9).

-- AlterTable
ALTER TABLE "import_jobs" ADD COLUMN     "paused_at" TIMESTAMPTZ(3),
ADD COLUMN     "paused_reason" VARCHAR(32);

-- CreateTable
CREATE TABLE "import_uploads" (
    "id" UUID NOT NULL,
    "job_id" UUID,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_uploads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "import_upload_chunks" (
    "upload_id" UUID NOT NULL,
    "chunk_no" INTEGER NOT NULL,
    "content" TEXT NOT NULL,

    CONSTRAINT "import_upload_chunks_pkey" PRIMARY KEY ("upload_id","chunk_no")
);

-- CreateIndex
CREATE UNIQUE INDEX "import_uploads_job_id_key" ON "import_uploads"("job_id");

-- AddForeignKey
ALTER TABLE "import_uploads" ADD CONSTRAINT "import_uploads_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "import_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_upload_chunks" ADD CONSTRAINT "import_upload_chunks_upload_id_fkey" FOREIGN KEY ("upload_id") REFERENCES "import_uploads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The files of unfinished jobs, kept: each becomes an upload of one chunk (its id the job's), so a job queued or
-- cut before this migration resumes as before. Finished jobs have no file left to move.
INSERT INTO "import_uploads" ("id", "job_id", "started_at")
SELECT "job_id", "job_id", CURRENT_TIMESTAMP FROM "import_files";
INSERT INTO "import_upload_chunks" ("upload_id", "chunk_no", "content")
SELECT "job_id", 0, "content" FROM "import_files";

-- DropTable (its foreign key goes with it)
DROP TABLE "import_files";
