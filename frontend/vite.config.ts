import { defineConfig } from "vite";

// Built into the Python package: jprcc serves it at "/" (no CDN, nothing fetched from outside).
export default defineConfig({
  base: "/",
  build: {
    outDir: "../src/jprcc/web/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    assetsInlineLimit: 0,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
});
