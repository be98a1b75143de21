/**
 * The project's boundaries, checked in CI (`npm run deps`, called by `npm test`).
 *
 * Data flows one way: extractors -> bot -> flows. bot/ calls both; neither calls back.
 * core/ and config/ are the ground floor everything may stand on. The production path
 * (core, config, extractors, flows, bot) never loads sim/, test/ or demo/. sim/ stands in
 * for a system we do not own: it shares no code with the bot.
 *
 * Inside bot/, the rooms are ordered from the top (what the operator calls) to the
 * bottom (the record itself). A room may import the rooms below it, never one above:
 *
 *   cli -> ops -> pipeline -> notify -> report -> state -> output -> records
 */
const ROOMS = ['cli', 'ops', 'pipeline', 'notify', 'report', 'state', 'output', 'records'];

const roomRules = ROOMS.slice(1).map((room, i) => ({
  name: `bot-${room}-imports-upward`,
  comment: `bot/${room}/ may import only the rooms below it (${ROOMS.slice(i + 2).join(', ') || 'none'}); see .dependency-cruiser.cjs`,
  severity: 'error',
  from: { path: `^bot/${room}/` },
  to: { path: `^bot/(${ROOMS.slice(0, i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No file imports a file that imports it back.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-loads-no-sim-test-demo',
      comment: 'The production path never loads the simulator, the tests or the demo.',
      severity: 'error',
      from: { path: '^(core|config|extractors|flows|bot)/' },
      to: { path: '^(sim|test|demo)/' },
    },
    {
      name: 'production-loads-no-scripts',
      comment: 'scripts/ builds and sets up (the offline bundle, the browser): nothing the bot runs loads it.',
      severity: 'error',
      from: { path: '^(core|config|extractors|flows|bot|demo|sim)/' },
      to: { path: '^scripts/' },
    },
    {
      name: 'lower-layers-never-call-bot',
      comment: 'extractors/ and flows/ know nothing of the pipeline: bot/ calls them, never the reverse.',
      severity: 'error',
      from: { path: '^(extractors|flows)/' },
      to: { path: '^bot/' },
    },
    {
      name: 'extractors-and-flows-apart',
      comment: 'An extractor knows nothing of PMH; a flow knows nothing of SQL.',
      severity: 'error',
      from: { path: '^(extractors|flows)/' },
      to: { path: '^(extractors|flows)/', pathNot: '^$1/' },
    },
    {
      name: 'ground-floor',
      comment: 'core/ depends on nothing of the project; config/ only on core/.',
      severity: 'error',
      from: { path: '^(core|config)/' },
      to: { path: '^(extractors|flows|bot|sim|test|demo)/' },
    },
    {
      name: 'core-below-config',
      comment: 'core/ is below config/.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^config/' },
    },
    {
      name: 'sim-shares-no-code',
      comment: 'sim/ stands in for a system we do not own: it must not agree with the bot by construction.',
      severity: 'error',
      from: { path: '^sim/' },
      to: { path: '^(core|config|extractors|flows|bot|demo|test)/' },
    },
    ...roomRules,
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
