// `server-only` throws unless resolved under React's "react-server" condition, which only Next's own server
// bundle uses; server/tsconfig.json maps it to this empty module for our server (npm run dev and the build).
export {};
