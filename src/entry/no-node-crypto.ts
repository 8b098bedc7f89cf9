// Workers bundle only (wrangler.toml [alias] "crypto"): bcryptjs imports Node's crypto as a
// fallback for when Web Crypto is missing. Workers always have Web Crypto, and without
// nodejs_compat the import itself would fail to load, so it resolves to this empty module.
export default {};
