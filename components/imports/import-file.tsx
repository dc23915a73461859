"use client";

import { DownloadIcon, UploadIcon } from "@radix-ui/react-icons";
import { Button, Card, Flex, Heading, Link, Spinner, Text } from "@radix-ui/themes";
import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useId, useRef, useState, type ChangeEvent, type DragEvent } from "react";

import { api } from "@/components/data/api";
import { IMPORTS_KEY } from "@/components/data/query-keys";
import { LoadError } from "@/components/ui/load-error";
import { useFormMutation } from "@/components/ui/use-form-mutation";
import { IMPORT_TEMPLATE_CSV, importJobResponse, importPreviewResponse } from "@/lib/api-contract/imports";

/**
 * The preview's table is loaded once a file has been checked, never with the page's first-load JS (issue 23: the
 * /imports budget); as live-progress.tsx is, in imports.tsx.
 */
const ImportPreview = lazy(() => import("./import-preview").then((module) => ({ default: module.ImportPreview })));

/** The template as a link's own target: built in the browser from the columns the server checks headers against. */
const TEMPLATE_HREF = `data:text/csv;charset=utf-8,${encodeURIComponent(IMPORT_TEMPLATE_CSV)}`;

const bytes = new Intl.NumberFormat(undefined, { style: "unit", unit: "byte", unitDisplay: "long" });
const kilobytes = new Intl.NumberFormat(undefined, { style: "unit", unit: "kilobyte", maximumFractionDigits: 1 });
const megabytes = new Intl.NumberFormat(undefined, { style: "unit", unit: "megabyte", maximumFractionDigits: 1 });

/** A file's size as the page shows it beside its name: in bytes, kB from a thousand, MB from a million. */
function sizeOf(file: File): string {
  if (file.size < 1000) return bytes.format(file.size);
  return file.size < 1_000_000 ? kilobytes.format(file.size / 1000) : megabytes.format(file.size / 1_000_000);
}

/** What a file is sent as, to the preview and to the import alike: multipart, in the field `file`. */
function asForm(file: File): FormData {
  const body = new FormData();
  body.set("file", file);
  return body;
}

/**
 * Importing a file (issue 23): drop it on the zone or choose it (the zone is the file input's label, so the
 * keyboard reaches it as that input), and the server's dry run (POST /api/v1/imports/preview) says at once what an
 * import would make of its first rows; nothing is written until Start import sends the same file to POST
 * /api/v1/imports. A refused file (not CSV, no usable header, too large) is said in the preview, in the server's words.
 */
export function ImportFile({ onStarted }: { onStarted: (id: string) => void }) {
  const inputId = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [dragging, setDragging] = useState(false);
  const queryClient = useQueryClient();
  const preview = useFormMutation({
    mutationFn: (chosen: File) => api("/api/v1/imports/preview", importPreviewResponse, { method: "POST", body: asForm(chosen) }),
  });
  const upload = useFormMutation({
    mutationFn: (chosen: File) => api("/api/v1/imports", importJobResponse, { method: "POST", body: asForm(chosen) }),
    onSuccess: (job) => {
      clear();
      onStarted(job.id);
      void queryClient.invalidateQueries({ queryKey: IMPORTS_KEY });
    },
  });

  function choose(chosen: File) {
    // The file being sent stays until the server has it: its job's answer clears the page for the next one.
    if (upload.pending) return;
    setFile(chosen);
    upload.reset();
    preview.send(chosen);
  }

  function clear() {
    setFile(null);
    preview.reset();
    upload.reset();
  }

  function picked(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.currentTarget.files?.[0];
    // Emptied at once, so that choosing the same file again (fixed in the meantime) checks it again.
    event.currentTarget.value = "";
    if (chosen) choose(chosen);
  }

  function dropped(event: DragEvent<HTMLElement>) {
    event.preventDefault();
    setDragging(false);
    const chosen = event.dataTransfer.files[0];
    if (chosen) choose(chosen);
  }

  function over(event: DragEvent<HTMLElement>) {
    // Without this the browser would open the dropped file itself, leaving the console.
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    setDragging(true);
  }

  function left(event: DragEvent<HTMLElement>) {
    if (!(event.relatedTarget instanceof Node && event.currentTarget.contains(event.relatedTarget))) setDragging(false);
  }

  return (
    <Card asChild>
      <section aria-labelledby="upload-heading">
        <Flex direction="column" gap="3">
          <Heading as="h2" size="4" id="upload-heading">
            Import users from a CSV file
          </Heading>
          <Text as="p" size="2" color="gray" id={hintId}>
            A header row naming <code>email</code> and <code>name</code>, optionally <code>role</code> (default VIEWER) and{" "}
            <code>status</code> (ACTIVE or DISABLED), then one user per row; at most 20 MB. Rows whose email already exists
            are reported, never overwritten. The file is checked first; nothing is written until you start the import.
          </Text>
          <Flex>
            <Link href={TEMPLATE_HREF} download="users-import-template.csv" size="2">
              <Flex as="span" align="center" gap="1">
                <DownloadIcon aria-hidden />
                Download CSV template
              </Flex>
            </Link>
          </Flex>
          {/* The input comes first: its focus ring is drawn on the zone that follows it (app/globals.css). */}
          <input
            ref={input}
            id={inputId}
            className="visually-hidden drop-zone-input"
            type="file"
            accept=".csv,text/csv"
            aria-describedby={hintId}
            disabled={upload.pending}
            onChange={picked}
          />
          <label
            htmlFor={inputId}
            className="drop-zone"
            data-dragging={dragging || undefined}
            onDragEnter={over}
            onDragOver={over}
            onDragLeave={left}
            onDrop={dropped}
          >
            <UploadIcon aria-hidden width="24" height="24" />
            <Text size="2">
              <Text weight="medium">Drop a CSV file here</Text> or <span className="drop-zone-choose">choose one</span>
            </Text>
          </label>
          {file && (
            <Flex direction="column" gap="3" asChild>
              <section aria-labelledby="chosen-heading">
                <Flex align="center" gap="3" wrap="wrap">
                  <Heading as="h3" size="3" id="chosen-heading">
                    {file.name}
                  </Heading>
                  <Text size="2" color="gray">
                    {sizeOf(file)}
                  </Text>
                  <Button
                    size="1"
                    variant="soft"
                    color="gray"
                    onClick={() => {
                      clear();
                      input.current?.focus();
                    }}
                  >
                    Clear the file
                  </Button>
                </Flex>
                {preview.pending ? (
                  <Flex align="center" gap="2" role="status">
                    <Spinner />
                    <Text size="2">Checking the file’s first rows (a dry run: nothing is written)…</Text>
                  </Flex>
                ) : preview.failure ? (
                  <LoadError error={preview.failure} what="The file" verb="checked" />
                ) : (
                  preview.mutation.data && (
                    <Suspense fallback={<Spinner />}>
                      <ImportPreview
                        preview={preview.mutation.data}
                        starting={upload.pending}
                        failure={upload.failure}
                        onStart={() => upload.send(file)}
                      />
                    </Suspense>
                  )
                )}
              </section>
            </Flex>
          )}
        </Flex>
      </section>
    </Card>
  );
}
