-- The process holding an import job's lease (issue 6 review): a holder whose lease was taken over can no longer
-- renew it, record batches or finish the job.
ALTER TABLE "import_jobs" ADD COLUMN "lease_holder" UUID;
