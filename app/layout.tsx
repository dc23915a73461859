import "@radix-ui/themes/styles.css";
import "./globals.css";

import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";

import { NONCE_HEADER } from "@/lib/http/request-info";

import { Providers } from "./providers";

export const metadata: Metadata = {
  title: { default: "User console", template: "%s · User console" },
  description: "Browse and manage users",
};

/**
 * The document: theme, query client and toaster for every page. The signed-in shell (sidebar, who is signed in)
 * is app/(console)/layout.tsx; the sign-in and invitation pages have their own plain frame in app/(public)/.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  // Our server (server/security-headers.ts) puts this response's CSP nonce here on every request.
  const nonce = (await headers()).get(NONCE_HEADER) ?? undefined;
  return (
    // next-themes sets the theme class on <html> before React hydrates: the attribute differs on purpose.
    <html lang="en" suppressHydrationWarning>
      <body>
        <Providers nonce={nonce}>{children}</Providers>
      </body>
    </html>
  );
}
