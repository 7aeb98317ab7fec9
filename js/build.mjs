// Bundle the widget front end into the Python package.
//   node build.mjs            one minified build: ../kanban_widget/static/widget.js + widget.css
//   node build.mjs --watch    rebuild on change with inline source maps (pair with ANYWIDGET_HMR=1)
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes("--watch");
const outdir = path.resolve(here, "../kanban_widget/static");

const options = {
  entryPoints: { widget: path.join(here, "src/widget.js") },
  outdir,
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  legalComments: "eof",
  logLevel: "info",
  define: { "process.env.NODE_ENV": watch ? '"development"' : '"production"' },
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log(`watching js/src, writing ${outdir}`);
} else {
  await esbuild.build(options);
}
