import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";

import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "User console", template: "%s · User console" },
  description: "Browse and manage users",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <header className="topbar">
            <Link href="/users" className="brand">
              User console
            </Link>
          </header>
          <main className="content">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
