export { ClientApplicationArgs } from "./clientApplication";
export type ClientApplication = import("./clientApplication").ClientApplication;
export declare const ClientApplication: typeof import("./clientApplication").ClientApplication;
export { ProviderArgs } from "./provider";
export type Provider = import("./provider").Provider;
export declare const Provider: typeof import("./provider").Provider;
import * as types from "./types";
export { types, };
//# sourceMappingURL=index.d.ts.map