module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // isolatedModules: transpile only (type checking is `npm run typecheck`), keeps tests fast.
    '^.+\\.tsx?$': 'ts-jest',
  },
  testTimeout: 120000,
};
