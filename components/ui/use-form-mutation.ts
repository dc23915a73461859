"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";

import { hasFieldErrors, serverFieldErrors, type Checked, type FieldErrors } from "./form-errors";

type Found<F extends string> = { fields: FieldErrors<F>; form: string[] };
const NOTHING_FOUND: Found<never> = { fields: {}, form: [] };

/**
 * A form's submission on React Query's useMutation (issue 22): the one way every form of the console is pending,
 * says what its own check found before anything was sent, and says what the API answered. A problem's field
 * errors (`errors[]`, and codes about one field such as USER_EMAIL_TAKEN) go under the form's `fields`; any other
 * failure is `failure`, for the form to show as a whole in its own words (usually with LoadError, trace id and
 * all). A field error about something the form does not show is not lost: it leaves the failure to be shown.
 */
export function useFormMutation<V, R, F extends string = never>({
  fields = [],
  mutationFn,
  onSuccess,
}: {
  fields?: readonly F[];
  mutationFn: (value: V) => Promise<R>;
  onSuccess?: (result: R, value: V) => void;
}) {
  const mutation = useMutation({ mutationFn, onSuccess });
  const [found, setFound] = useState<Found<F>>(NOTHING_FOUND);
  const fromServer = serverFieldErrors(mutation.error, fields);
  const errors: FieldErrors<F> = { ...fromServer, ...found.fields };

  function send(value: V) {
    setFound(NOTHING_FOUND);
    mutation.mutate(value);
  }

  return {
    mutation,
    pending: mutation.isPending,
    /** Each field's message: the form's own check's, else the API's. */
    errors,
    /** What the form's check found about no one field ("Send at least one of ..."). */
    formErrors: found.form,
    /** The failure no field took (a conflict, a refusal, a dropped connection), or null. */
    failure: mutation.error !== null && !hasFieldErrors(fromServer) ? mutation.error : null,
    /** Sends `value` as it is (a form without a check of its own). */
    send,
    /** Sends what the form's check let through; else shows what it found, and forgets the last answer. */
    submit(checked: Checked<V, F>) {
      if (checked.ok) {
        send(checked.data);
      } else {
        setFound({ fields: checked.fields, form: checked.form });
        mutation.reset();
      }
    },
    /** Back to a blank form: nothing found, no answer. */
    reset() {
      setFound(NOTHING_FOUND);
      mutation.reset();
    },
  };
}
