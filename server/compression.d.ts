/**
 * The part of `compression` we use, typed for plain node:http (the package works on node:http's request and
 * response; @types/compression types it for Express's, which our server does not use).
 */
declare module "compression" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  interface CompressionOptions {
    /** Whether to compress this response; called once its headers are set. Default: {@link compression.filter}. */
    filter?: (request: IncomingMessage, response: ServerResponse) => boolean;
    /** Bodies smaller than this (bytes, or "1kb") go uncompressed. Default: 1 kB. */
    threshold?: number | string;
  }
  type Middleware = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

  function compression(options?: CompressionOptions): Middleware;
  namespace compression {
    /** The default filter: compressible content types (by mime-db), unless `Cache-Control: no-transform`. */
    function filter(request: IncomingMessage, response: ServerResponse): boolean;
  }
  export default compression;
}
