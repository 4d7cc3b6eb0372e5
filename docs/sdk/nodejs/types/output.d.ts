/**
 * One password slot of the client secret.
 */
export interface ClientSecretSlot {
    /**
     * Whether this slot's password is the one `clientSecret` holds.
     */
    active: boolean;
    /**
     * When the password expires (RFC 3339).
     */
    endDate: string;
    /**
     * The rotation generation the slot holds (rotation: overlap).
     */
    generation?: number;
    /**
     * The password's key ID in Entra ID.
     */
    keyId: string;
    /**
     * `a` or `b` (rotation: overlap), or `fixed` (rotation: none).
     */
    slot: string;
}
//# sourceMappingURL=output.d.ts.map