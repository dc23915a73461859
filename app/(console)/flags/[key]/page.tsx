import type { Metadata } from "next";

import { FlagDetail } from "@/components/flags/flag-detail";
import { roleHas } from "@/lib/domain/permissions";
import { requirePage } from "@/lib/http/page-auth";

type Params = Promise<{ key: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Flag ${(await params).key}` };
}

/** One feature flag: its targeting, changed here by ADMINs, and its history (issue 9). */
export default async function FlagPage({ params }: { params: Params }) {
  const principal = await requirePage("/flags/[key]");
  // A key the API does not know answers 404 there, and the page says so in place of the flag.
  const { key } = await params;
  return <FlagDetail flagKey={key} canWrite={roleHas(principal.role, "flags:write")} />;
}
