import type { Metadata } from "next";
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
        <header className="topbar">
          <a href="/users" className="brand">
            User console
          </a>
        </header>
        <main className="content">
          <Providers>{children}</Providers>
        </main>
      </body>
    </html>
  );
}
