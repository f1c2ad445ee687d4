/** The dashboard's layout on top of the sign-in frame's look: wide sections, tables, stacked on a phone. */
export const DASHBOARD_STYLE = `
body { display: block; padding: 1.5rem; }
main.card { max-width: 64rem; margin: 0 auto; background: transparent; padding: 0; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; }
header.top h1 { margin: 0; }
.who { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; color: var(--muted); }
.who strong { color: var(--fg); overflow-wrap: anywhere; }
.who button { font-size: .85rem; padding: .3rem .8rem; }
section { background: var(--card); border-radius: .9rem; padding: 1rem 1.25rem; margin: 1rem 0; }
h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: .8rem; }
tr:last-child td { border-bottom: none; }
td.wrap { overflow-wrap: anywhere; }
td code { font-size: .8rem; }
a { color: var(--accent); }
.tag { font-size: .72rem; background: var(--accent); color: #fff; border-radius: 1rem; padding: .05rem .5rem; white-space: nowrap; }
.state { white-space: nowrap; } .state.completed, .state.ready { color: #1a7f37; } .state.failed { color: var(--bad); }
.state.running, .state.cancelling, .state.preparing { color: var(--accent); } .state.cancelled { color: var(--muted); }
form { margin: 0; }
button.danger { color: var(--bad); border-color: var(--bad); font-size: .85rem; padding: .3rem .8rem; }
.notice { background: #dafbe1; color: #1a7f37; padding: .6rem .9rem; border-radius: .5rem; }
.set-secret { margin-top: 1rem; max-width: 32rem; }
select { width: 100%; font: inherit; padding: .55rem .6rem; border: 1px solid var(--line); border-radius: .5rem; background: transparent; color: var(--fg); }
@media (max-width: 640px) {
  body { padding: .6rem; }
  section { padding: .8rem; }
  table, tbody, tr, td { display: block; width: 100%; }
  thead { display: none; }
  tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  tr:last-child { border-bottom: none; }
  td { border: none; padding: .1rem 0; }
  td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: .85rem; }
}
`;
