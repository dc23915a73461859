import { Heading } from "@radix-ui/themes";
import type { Metadata } from "next";
import { redirect } from "next/navigation";

import { safeNextPath } from "@/lib/http/safe-next";
import { SignInForm } from "@/components/account/sign-in-form";
import { currentPrincipal } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Record<string, string | string[] | undefined>;

/** Email and password; someone already signed in goes where they were headed (or to the users list). */
export default async function SignInPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const next = safeNextPath(first(params.next));
  const principal = await currentPrincipal();
  if (principal) {
    redirect(principal.kind === "user" && principal.mustChangePassword ? "/settings?changePassword=1" : (next ?? "/users"));
  }
  return (
    <>
      <Heading as="h1" size="6" mb="4">
        Sign in
      </Heading>
      <SignInForm next={next} email={first(params.email) ?? ""} />
    </>
  );
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
