// Next.js serves the dashboard and the JSON API. The store's native packages stay outside the
// bundle so route handlers share the one chDB instance the composition root opened.
/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: ['chdb', '@clickhouse/client', '@grpc/grpc-js', 'protobufjs'],
  reactStrictMode: true,
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
