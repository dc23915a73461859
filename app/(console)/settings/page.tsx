import { Card, Flex, Heading, Text } from "@radix-ui/themes";
import type { Metadata } from "next";

import { ChangePasswordForm } from "@/components/account/change-password-form";
import { OwnSessions } from "@/components/account/own-sessions";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "Settings" };

/**
 * Everyone's own page: change one's password, see and end one's sessions. Someone signed in with a one-time
 * password is sent here (`?changePassword=1`) and can open nothing else until they have changed it.
 */
export default async function SettingsPage() {
  const principal = await requirePage("/settings");
  const mustChangePassword = principal.kind === "user" && principal.mustChangePassword;
  return (
    <Flex direction="column" gap="5" maxWidth="56rem">
      <Heading as="h1" size="6">
        Settings
      </Heading>
      <Card asChild size="3">
        <section aria-labelledby="password-heading">
          <Heading as="h2" size="4" mb="1" id="password-heading">
            Password
          </Heading>
          <Text as="p" size="2" color="gray" mb="4">
            Changing it signs you out everywhere else.
          </Text>
          <ChangePasswordForm mustChange={mustChangePassword} />
        </section>
      </Card>
      {!mustChangePassword && (
        <Card asChild size="3">
          <section aria-labelledby="sessions-heading">
            <Heading as="h2" size="4" mb="1" id="sessions-heading">
              Your sessions
            </Heading>
            <Text as="p" size="2" color="gray" mb="4">
              Where you are signed in. A session ends after 30 minutes without use or 12 hours after signing in.
            </Text>
            <OwnSessions />
          </section>
        </Card>
      )}
    </Flex>
  );
}
