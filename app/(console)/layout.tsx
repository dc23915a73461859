import { Badge, Box, Flex, Separator, Text } from "@radix-ui/themes";
import Link from "next/link";
import type { ReactNode } from "react";

import { KeyboardShortcuts } from "@/components/ui/keyboard-shortcuts";
import { LiveUpdates } from "@/components/data/live-updates";
import { MyFlagsProvider } from "@/components/flags/my-flags";
import { ReadOnlyBanner } from "@/components/flags/read-only-banner";
import { SectionNav, type Section } from "@/components/ui/section-nav";
import { SignOutButton } from "@/components/account/sign-out-button";
import { ThemeMenu } from "@/components/ui/theme-menu";
import type { Principal } from "@/lib/domain/auth";
import { getApp } from "@/lib/app-registry";
import { pageAccess, roleHas } from "@/lib/domain/permissions";
import { currentPrincipal } from "@/lib/http/page-auth";

/**
 * The sections of the console, in sidebar order. A section with a `feature` is shown only while its flag is on
 * for the signed-in person (Imports: `bulk-import`, issue 9).
 */
const SECTIONS: readonly (Section & { feature?: "bulk-import" })[] = [
  { href: "/dashboard", label: "Dashboard" },
  { href: "/users", label: "Users" },
  { href: "/imports", label: "Imports", feature: "bulk-import" },
  { href: "/flags", label: "Flags" },
  { href: "/audit", label: "Audit log" },
  { href: "/tokens", label: "API tokens" },
  { href: "/webhooks", label: "Webhooks" },
  { href: "/settings", label: "Settings" },
  { href: "/docs", label: "API reference" },
];

/**
 * The signed-in shell: sidebar with the sections this principal may open, who is signed in, sign-out.
 * Authorization is not decided here: each page calls requirePage() itself (a layout does not re-render on
 * navigation, and it does not know which page it wraps). Without a session the page redirects to sign-in, so
 * the layout then renders the page alone rather than racing it with a redirect of its own.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const principal = await currentPrincipal();
  if (!principal) return children;
  // The signed-in person's variations, evaluated now so the first paint already has the banner and the table's
  // density; the browser then keeps them current through GET /api/v1/session/flags (components/flags/my-flags.tsx).
  // Someone who must change a one-time password first gets nothing else from the API, so nothing is polled.
  const myFlagsUserId = principal.kind === "user" && !principal.mustChangePassword ? principal.userId : null;
  const myFlags = myFlagsUserId
    ? (await getApp().evaluateCallerFlags({ principal })).map(({ key, value, variationIndex, reason, errorCode }) => ({
        key,
        value,
        variationIndex,
        reason,
        ...(errorCode !== undefined && { errorCode }),
      }))
    : [];
  return (
    <MyFlagsProvider userId={myFlagsUserId} initial={myFlags}>
      {/* What others change shows up without a reload (issue 21); not before a one-time password is replaced. */}
      {myFlagsUserId && <LiveUpdates since={getApp().liveChanges.position()} />}
      <Flex className="shell" direction={{ initial: "column", md: "row" }}>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <Box asChild className="sidebar">
          <aside aria-label="Console">
            <Flex direction="column" gap="4" height="100%">
              <Link href="/users" className="brand">
                User console
              </Link>
              <SectionNav
                sections={visibleSections(principal).filter(
                  ({ feature }) => feature === undefined || myFlags.find((flag) => flag.key === feature)?.value !== false,
                )}
              />
              <Box flexGrow="1" />
              {/* Binds the shortcuts for every console page, and is the visible way to find them (issue 7). */}
              <Box>
                <KeyboardShortcuts />
              </Box>
              <Separator size="4" />
              <SignedInAs principal={principal} />
            </Flex>
          </aside>
        </Box>
        <Box asChild flexGrow="1" minWidth="0">
          <main id="main" className="content" tabIndex={-1}>
            <ReadOnlyBanner />
            {children}
          </main>
        </Box>
      </Flex>
    </MyFlagsProvider>
  );
}

/**
 * The sections whose page this principal's role may open, by the same table requirePage() consults. Someone who
 * must change a one-time password first is shown Settings only: every other page would send them there.
 */
function visibleSections(principal: Principal): (typeof SECTIONS)[number][] {
  const mustChangePassword = principal.kind === "user" && principal.mustChangePassword;
  return SECTIONS.filter(({ href }) => {
    const { access } = pageAccess(href);
    if (mustChangePassword) return href === "/settings";
    return access === "self" || access === "public" || roleHas(principal.role, access);
  });
}

function SignedInAs({ principal }: { principal: Principal }) {
  return (
    <Flex direction="column" gap="3">
      <Flex direction="column" gap="1" aria-label="Signed in as" role="group">
        <Text size="2" weight="bold" truncate>
          {principal.name}
        </Text>
        {principal.kind === "user" && (
          <Text size="1" color="gray" truncate>
            {principal.email}
          </Text>
        )}
        <Box>
          <Badge color={ROLE_COLOR[principal.role]} variant="soft">
            {principal.role}
          </Badge>
        </Box>
      </Flex>
      <Flex gap="2" align="center">
        <SignOutButton />
        <ThemeMenu />
      </Flex>
    </Flex>
  );
}

const ROLE_COLOR = { ADMIN: "crimson", EDITOR: "amber", VIEWER: "gray" } as const;
