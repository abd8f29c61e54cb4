export declare const NETNS_ADDRESSES: readonly [string, string];
export declare function canCreateNamespace(): boolean;
export declare function createNamespace(name: string): void;
export declare function deleteNamespace(name: string): void;
