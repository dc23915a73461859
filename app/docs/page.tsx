import type { Metadata } from "next";

import { ApiReference } from "@/components/docs/api-reference";
import { pageAccess } from "@/lib/domain/permissions";

export const metadata: Metadata = { title: "API reference" };

/**
 * The REST API's reference, rendered from the OpenAPI document the API itself serves (lib/http/openapi.ts). Public,
 * like the document: it shows what exists, not anyone's data, and calls made from it are authorized as any other.
 */
export default function DocsPage() {
  // Public in the pages table (PAGES); asking for it fails loudly should the entry go.
  pageAccess("/docs");
  return (
    <main>
      <ApiReference url="/api/openapi.json" />
    </main>
  );
}
