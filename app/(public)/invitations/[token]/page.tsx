import { Heading } from "@radix-ui/themes";
import type { Metadata } from "next";

import { AcceptInvitationForm } from "@/components/account/accept-invitation-form";

export const metadata: Metadata = { title: "Accept invitation", referrer: "no-referrer" };

/**
 * Where an invitation link leads: the invited person chooses a password. Whether the link is still good is
 * learnt on submitting it (the API answers 410), so this page never looks the secret up on a mere visit.
 */
export default async function AcceptInvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return (
    <>
      <Heading as="h1" size="6" mb="2">
        Accept your invitation
      </Heading>
      <AcceptInvitationForm token={token} />
    </>
  );
}
