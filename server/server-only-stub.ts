// `server-only` throws unless resolved under React's "react-server" condition, which only Next's own server
// bundle uses; scripts/build.mjs aliases it to this empty module for our separately bundled server.
export {};
