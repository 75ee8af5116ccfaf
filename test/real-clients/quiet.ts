/** Imported before auth0-deploy-cli: its winston logger reads AUTH0_LOG once, at load. */
process.env.AUTH0_LOG ??= 'error';
