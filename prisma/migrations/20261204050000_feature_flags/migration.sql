-- Feature flags kept by this app when no LaunchDarkly SDK key is set (issue 9), in LaunchDarkly's flag JSON shape.
-- CreateTable
CREATE TABLE "feature_flags" (
    "key" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "feature_flags_pkey" PRIMARY KEY ("key")
);
