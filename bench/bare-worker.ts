/** The reference server as a Worker, for `wrangler dev --config bench/bare.wrangler.toml`. */
import { bareApp } from "./bare-app.js";

export default bareApp();
