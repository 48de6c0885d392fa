// Preloaded into Portkey's gateway (`node --import`): its start script listens on every interface
// and has no host option, and an open proxy on a laptop's network for the length of a benchmark
// is not acceptable. A listen on a port with no host given binds 127.0.0.1 instead.
import { Server } from "node:net";

const listen = Server.prototype.listen;
Object.defineProperty(Server.prototype, "listen", {
  configurable: true,
  writable: true,
  value(this: Server, ...args: unknown[]): Server {
    if (typeof args[0] === "number" && typeof args[1] !== "string") {
      if (args[1] === undefined || args[1] === null) args[1] = "127.0.0.1";
      else args.splice(1, 0, "127.0.0.1");
    }
    return Reflect.apply(listen, this, args);
  },
});
