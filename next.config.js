// Next.js serves the dashboard and the JSON API. The store's native packages stay outside the
// bundle so route handlers share the one chDB instance the composition root opened.
/** @type {import('next').NextConfig} */
const nextConfig = {
  // EVENTSCOPE_NEXT_DIST_DIR: a build folder other than .next (two checkouts' test runs side by side)
  distDir: process.env.EVENTSCOPE_NEXT_DIST_DIR || '.next',
  serverExternalPackages: ['chdb', '@clickhouse/client', '@grpc/grpc-js', 'protobufjs', 'prom-client'],
  reactStrictMode: true,
  poweredByHeader: false,
  // The dashboard build type-checks what it ships; `npm run typecheck` covers tests, demo and bench too.
  typescript: { ignoreBuildErrors: false, tsconfigPath: 'tsconfig.next.json' },
  // The code base is ESM TypeScript run by tsx and node:test too, so imports name `.js` files that
  // are `.ts` on disk. Webpack maps them (Turbopack cannot yet; builds use --webpack).
  webpack(config) {
    config.resolve.extensionAlias = { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'] };
    return config;
  },
};

export default nextConfig;
