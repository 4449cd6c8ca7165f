// @ts-check
import { fileURLToPath } from 'node:url';

/**
 * The workspace packages are consumed from their TypeScript sources (their `source` export condition, as the CLI
 * does with tsx), so the dashboard needs no prior `build` of them. Webpack is used rather than Turbopack because
 * Turbopack cannot add a custom export condition.
 */
const workspacePackages = ['@nndl/tensor', '@nndl/nn', '@nndl/data', '@nndl/engine'];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  transpilePackages: workspacePackages,
  // `tsc --noEmit` (the package's typecheck script) checks types; the build need not do it twice.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  devIndicators: false,
  /**
   * Cross-origin isolation, for SharedArrayBuffer and shared wasm memory: the CPU backend's large kernels then split
   * across a second thread in the playground's training worker (@nndl/tensor's wasm/threads.ts). Everything the app
   * loads is same-origin (no fonts, scripts or images from elsewhere), so require-corp blocks nothing.
   */
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
        ],
      },
    ];
  },
  webpack(config, options) {
    config.resolve.conditionNames = ['source', ...(config.resolve.conditionNames ?? ['...'])];
    // The packages' sources import './x.js' for './x.ts' (NodeNext style).
    config.resolve.extensionAlias = { ...config.resolve.extensionAlias, '.js': ['.ts', '.tsx', '.js'] };
    if (options.isServer) {
      // The playground's worker modules are compiled for the server too (though rendered in the browser only):
      // give them @nndl/data's browser platform adapter there, since its Node one loads tsx for worker threads.
      config.resolve.alias = {
        ...config.resolve.alias,
        '#platform$': fileURLToPath(new URL('../../packages/data/src/platform/browser.ts', import.meta.url)),
      };
    }
    return config;
  },
};

export default nextConfig;
