/** The admin token the workers projects configure and the auth tests use to mint tokens. */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
