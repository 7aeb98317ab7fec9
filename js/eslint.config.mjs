// ESLint's recommended rules over the front end and its tests (run by `npm run lint`, and by
// tests/test_js_unit.py in CI). The code is plain ES modules for browsers and Node.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["src/**/*.js", "test/**/*.js", "*.mjs"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.node },
    },
  },
];
