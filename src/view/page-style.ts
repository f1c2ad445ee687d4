/** The live view's stylesheet: light and dark, fluid from a phone's width up to 60rem. */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --card: #f5f5f7; --line: #d2d2d7; --accent: #7b3fe4; }
@media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --muted: #a1a1a6; --card: #1f1f23; --line: #3a3a3f; } }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1.5rem; color: var(--fg); }
@media (max-width: 600px) { body { padding: .75rem; font-size: 14px; } }
header { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
h1 { font-size: 1.25rem; margin: 0; }
.label { font-size: .8rem; margin: 0 0 .35rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.markdown h1, .markdown h2, .markdown h3 { font-size: 1.1rem; margin: .9rem 0 .4rem; } .markdown h4, .markdown h5, .markdown h6 { font-size: 1rem; margin: .8rem 0 .3rem; }
code { font: 12.5px/1.45 ui-monospace, monospace; }
.meta code { color: var(--muted); overflow-wrap: anywhere; }
.state { margin-left: auto; padding: .1rem .6rem; border-radius: 1rem; font-size: .85rem; background: var(--card); }
.state.running::before, .state.cancelling::before { content: "● "; color: var(--accent); animation: pulse 1s infinite alternate; }
.state.completed { color: #1a7f37; } .state.failed { color: #cf222e; } .state.cancelled { color: var(--muted); }
@keyframes pulse { from { opacity: .3; } to { opacity: 1; } }
button { font: inherit; font-size: .85rem; padding: .25rem .8rem; border-radius: .4rem; border: 1px solid #cf222e; color: #cf222e; background: transparent; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
pre { white-space: pre-wrap; word-break: break-word; margin: .25rem 0; font: 13px/1.45 ui-monospace, monospace; }
.message { background: var(--card); border-radius: .5rem; padding: .6rem .9rem; margin: .75rem 0; }
.message pre { max-height: 14rem; overflow: auto; margin: 0; }
.text { color: var(--fg); } .stderr { color: var(--muted); }
.markdown { overflow-wrap: anywhere; }
.markdown pre { background: var(--card); padding: .5rem .7rem; border-radius: .4rem; overflow-x: auto; white-space: pre; }
.markdown :not(pre) > code { background: var(--card); padding: 0 .25rem; border-radius: .25rem; }
.markdown table { border-collapse: collapse; display: block; overflow-x: auto; }
.markdown th, .markdown td { border: 1px solid var(--line); padding: .2rem .5rem; }
.markdown .align-center { text-align: center; } .markdown .align-right { text-align: right; }
.markdown blockquote { margin: .5rem 0; padding-left: .8rem; border-left: 3px solid var(--line); color: var(--muted); }
.markdown a { color: var(--accent); }
.thought { color: var(--muted); font-style: italic; border-left: 3px solid var(--muted); padding-left: .6rem; margin: .4rem 0; }
.tool { background: var(--card); border-radius: .5rem; padding: .4rem .7rem; margin: .4rem 0; font-size: .9rem; }
.tool summary { cursor: pointer; overflow-wrap: anywhere; }
.tool .status { float: right; color: var(--muted); margin-left: .5rem; }
.tool .detail { color: var(--muted); margin: .3rem 0 0; max-height: 16rem; overflow: auto; }
.notice { background: #fff3cd; color: #664d03; border-radius: .5rem; padding: .4rem .7rem; margin: .4rem 0; }
.meta { color: var(--muted); font-size: .8rem; margin: .2rem 0; }
#plan { background: var(--card); border-radius: .5rem; padding: .6rem 1rem; margin: 1rem 0; }
#plan li.completed { text-decoration: line-through; color: var(--muted); } #plan li.in_progress { font-weight: 600; }
.error { color: #cf222e; white-space: pre-wrap; }
`;
