/**
 * An import's file as it arrives (issue 18, item 7): the request body's bytes are handed on as they come, never
 * gathered, as `text/csv` (the body is the file) or as `multipart/form-data` (the field `file`, parsed as a
 * stream by @fastify/busboy). Past the size limit, 413 `FILE_TOO_LARGE`: at once by Content-Length, else as soon
 * as the bytes read pass it, so a lying header gets no more through.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

import { Busboy } from "@fastify/busboy";

import { IMPORT_MAX_BYTES } from "../domain/import-job";
import type { StartImportInput } from "../use-cases/start-import";
import { HttpProblem } from "./problem";
import { mediaTypeOf } from "./read-body";

/** Room for a multipart envelope (boundaries, part headers) around a file of the largest size. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const MAX_MEGABYTES = IMPORT_MAX_BYTES / (1024 * 1024);

/** The uploaded file, to be read as the use case stores it. 415 for other media types, 413 by Content-Length. */
export function uploadOf(request: Request): StartImportInput {
  const type = mediaTypeOf(request);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (type === "text/csv") {
    if (declared > IMPORT_MAX_BYTES) throw tooLarge();
    return { bytes: atMost(bodyOf(request), IMPORT_MAX_BYTES), filename: () => null };
  }
  if (type === "multipart/form-data") {
    if (declared > IMPORT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES) throw tooLarge();
    return multipartFile(request);
  }
  throw new HttpProblem(
    "UNSUPPORTED_MEDIA_TYPE",
    `Send the file as text/csv, or as multipart/form-data in the field file; got ${type ?? "no content type"}`,
  );
}

function multipartFile(request: Request): StartImportInput {
  let filename: string | null = null;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    const parser = Busboy({
      headers: { "content-type": request.headers.get("content-type") ?? "" },
      // One more byte than allowed, so a file over the limit is told from one exactly at it (busboy truncates).
      limits: { files: 1, fileSize: IMPORT_MAX_BYTES + 1, fields: 20, parts: 21 },
    });
    let failure: unknown;
    let current: Readable | undefined;
    const file = new Promise<{ stream: Readable; name: string }>((resolve, reject) => {
      parser.on("file", (field, stream, name) => {
        if (field === "file") {
          current = stream;
          resolve({ stream, name });
        }
        else stream.resume(); // another file field: not ours, read past it
      });
      parser.on("finish", () => reject(noFile()));
      parser.on("error", (error) => reject(failure ?? error));
    });
    file.catch(() => undefined); // reported below, through `await file`, unless the body failed first
    const source = Readable.from(atMost(bodyOf(request), IMPORT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES));
    const parsed = pipeline(source, parser).catch((error: unknown) => {
      failure ??= error;
      current?.destroy(failure instanceof Error ? failure : undefined); // the file's reader must not wait on
    });
    try {
      const { stream, name } = await file.catch((error: unknown) => {
        throw failure ?? error;
      });
      filename = name.replaceAll("\u0000", "") || null;
      let size = 0;
      for await (const piece of stream) {
        if (failure !== undefined) throw failure;
        if (!(piece instanceof Uint8Array)) continue;
        size += piece.byteLength;
        if (size > IMPORT_MAX_BYTES) throw tooLarge();
        yield piece;
      }
      await parsed;
      if (failure !== undefined) throw failure;
    } catch (error) {
      const cause = failure ?? error;
      throw cause instanceof HttpProblem ? cause : new HttpProblem("VALIDATION_FAILED", "The multipart/form-data body could not be read");
    } finally {
      source.destroy();
    }
  }
  return { bytes: bytes(), filename: () => filename };
}

/** The body's chunks as they arrive (none for a request without a body). */
async function* bodyOf(request: Request): AsyncGenerator<Uint8Array> {
  if (!request.body) return;
  const reader = request.body.getReader();
  let whole = false;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
    whole = true;
  } finally {
    // Stopped early (too large, refused, the client gone): the rest of the body is not wanted. Never once it was
    // read through: cancelling then destroys the request's socket, and a keep-alive client's next request on it
    // would meet ECONNRESET.
    if (!whole) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** `pieces`, refused with 413 as soon as they add up to more than `limit` bytes. */
async function* atMost(pieces: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const piece of pieces) {
    size += piece.byteLength;
    if (size > limit) throw tooLarge();
    yield piece;
  }
}

function noFile() {
  return new HttpProblem("VALIDATION_FAILED", "Send the CSV file in the form field `file`", [{ path: ["file"], message: "Attach a file" }]);
}

function tooLarge() {
  return new HttpProblem("FILE_TOO_LARGE", `Send a file of at most ${MAX_MEGABYTES} MB (${IMPORT_MAX_BYTES.toLocaleString("en-US")} bytes)`);
}
