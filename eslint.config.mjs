// Strict TypeScript linting plus Pulumi's own rules (no Outputs inside template literals).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "dist/**",
      "coverage/**",
      ".cache/**",
      ".sandbox/**",
      "jest.config.js",
      "eslint.config.mjs",
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@pulumi/no-output-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // House style 17: shipped code never imports from test/ (its doubles, fixtures and harnesses). Tests may,
    // wherever they live; so may bench/, which measures like a test does and starts the tests' S3 server.
    files: [
      "apps/**/*.ts",
      "components/**/*.ts",
      "stacks/**/*.ts",
      "provider/**/*.ts",
      "cli/**/*.ts",
      "scripts/**/*.ts",
    ],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)test(/|$)",
              message:
                "Shipped code must not import test/ (house style 17): move what it needs into shipped code (e.g. cli/evaluate/).",
            },
          ],
        },
      ],
    },
  },
);
