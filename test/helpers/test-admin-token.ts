/** The admin token the workers projects configure and the auth tests use to mint tokens. */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
/** The KIRO_SECRETS_KEY the workers projects configure (users' secrets, view links). */
export const TEST_SECRETS_KEY = "test-secrets-key-0123456789abcdef0123456789abcdef";
