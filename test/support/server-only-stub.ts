// `server-only` throws unless resolved under React's "react-server" condition, which only Next's server bundle
// uses. Tests (and the separately bundled server/) run lib/ outside Next, so they alias it to this empty module.
export {};
