"use client";

import { ExitIcon } from "@radix-ui/react-icons";
import { Button } from "@radix-ui/themes";
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";

import { describeError, send } from "@/components/data/api";

/**
 * Ends the session on the server (not only the cookie), then goes to the sign-in page, dropping everything this
 * tab cached for the signed-out user: queries, and the router's copies of pages (refresh clears them).
 */
export function SignOutButton() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  async function signOut() {
    setPending(true);
    try {
      await send("/api/v1/session", { method: "DELETE" });
      queryClient.clear();
      router.replace("/sign-in");
      router.refresh();
    } catch (error) {
      setPending(false);
      const { title, detail } = describeError(error);
      toast.error(title, { description: detail });
    }
  }
  return (
    <Button variant="soft" color="gray" onClick={signOut} loading={pending}>
      <ExitIcon aria-hidden />
      Sign out
    </Button>
  );
}
