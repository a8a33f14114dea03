#!/usr/bin/env node
// tests/hub/browser_console.js - the staff console in a real browser: Debian's
// chromium, headless, driven by puppeteer-core (pinned in tools/browser/), as
// one staff member doing one thing. tools/flowrun's `console` step runs it
// between the kiosk's steps (docs/plans.md); its environment:
//
//   CONSOLE_URL       https://127.0.0.1:PORT, the hub's console
//   CONSOLE_SPKI      base64 SHA-256 of the console certificate's public key:
//                     chromium accepts that one loopback certificate, no other
//   CONSOLE_PROFILE   the browser profile of this staff member: its cookie
//                     lasts from one step to the next, as a person's session
//   CONSOLE_NAME, CONSOLE_PASSWORD   the account, to sign in when needed
//   CONSOLE_SHOTS     where the screenshots go (console-NAME-ACTION-NN-what.png;
//                     an action done twice overwrites its first shots)
//
//   node tests/hub/browser_console.js ACTION ARGS...
//
// Actions (each checks what a person would see, and fails otherwise):
//   reject COMPANY REASON   find the application by company name in the
//                           审核 queue, reject it with REASON
//   approve COMPANY         find it (pending review) and approve it
//   handover CODE IDNO      at 窗口, find the order by pickup code and hand the
//                           key over with the handler's ID number
//   refused PATH...         each page answers 403 无权访问 to this member
//   no-form-token APP_ID    a form posted without its token is refused (403)
//                           and changes nothing
//   disable NAME            at 人员, disable account NAME
//   signed-out PATH         this member's session has ended: PATH lands on
//                           the sign-in page
//   audit WHO:WHAT...       the 审计 page lists, for each pair, a line by
//                           display name WHO whose action reads WHAT
//   pages PATH...           a screenshot of each page (200)
//   tablet PATH...          the same on a 10-inch tablet held upright
//                           (800x1280): no page wider than the screen
//
// Exit status: 0 every check held; 1 a check failed (the reason on stderr);
// 77 chromium cannot run on this machine (the reason on stderr: skip).
'use strict';

const fs = require('fs');
const path = require('path');

const { fail, launch, TIMEOUT_MS } = require('./browser')('browser_console');
const env = (k) => {
	const v = process.env[k];
	if (!v)
		fail(`${k} is not set`);
	return v;
};

function say(msg) {
	process.stdout.write(`browser_console: ${msg}\n`);
}

const base = () => env('CONSOLE_URL');
const who = () => env('CONSOLE_NAME');
let shotNo = 0;
let actionName = '';

// A screenshot of the page as a person sees it at 1366x768.
async function shot(page, what) {
	const dir = env('CONSOLE_SHOTS');
	fs.mkdirSync(dir, { recursive: true });
	shotNo++;
	const name = `console-${who()}-${actionName}-${String(shotNo).padStart(2, '0')}-${what}.png`;
	await page.screenshot({ path: path.join(dir, name), fullPage: true });
	say(`shot ${name}`);
}

const textOf = (page) => page.evaluate(() => document.body.innerText);

// Go to path; sign in first when the console asks. The final response.
async function open(page, p) {
	let resp = await page.goto(base() + p, { waitUntil: 'load' });
	if (new URL(page.url()).pathname === '/login') {
		await page.type('input[name=name]', who());
		await page.type('input[name=password]', env('CONSOLE_PASSWORD'));
		await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
			page.click('form[action="/login"] button[type=submit]')]);
		if (new URL(page.url()).pathname === '/login')
			fail(`${who()} could not sign in: ${(await textOf(page)).slice(0, 200)}`);
		resp = await page.goto(base() + p, { waitUntil: 'load' });
	}
	return resp;
}

// Submit the form holding selector sel (a button) and wait for the page
// after it; its status.
async function submit(page, sel) {
	const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
		page.click(sel)]);
	return resp ? resp.status() : 0;
}

// In the 审核 queue (status st), search company and open its application.
async function findApp(page, company, st) {
	let resp = await open(page, `/review?status=${st}`);
	if (!resp || resp.status() !== 200)
		fail(`/review: status ${resp ? resp.status() : 'none'}`);
	await shot(page, 'queue');
	await page.type('form.search input[name=q]', company);
	await submit(page, 'form.search button[type=submit]');
	const links = await page.$$eval('table tbody tr', (rows, c) =>
		rows.filter((r) => r.innerText.includes(c)).map((r) => r.dataset.href), company);
	if (links.length !== 1)
		fail(`searching ${company} in the ${st} queue found ${links.length} rows`);
	await shot(page, 'search');
	resp = await page.goto(base() + links[0], { waitUntil: 'load' });
	if (resp.status() !== 200)
		fail(`${links[0]}: status ${resp.status()}`);
	const text = await textOf(page);
	if (!text.includes(company))
		fail(`the application page lacks ${company}`);
	return links[0];
}

async function reject(page, company, reason) {
	const href = await findApp(page, company, 'pending_review');
	await shot(page, 'app');
	await page.type('form:has(input[name=op][value=reject]) textarea[name=arg]', reason);
	const st = await submit(page, 'form:has(input[name=op][value=reject]) button[type=submit]');
	const text = await textOf(page);
	if (st !== 200 || !text.includes('已完成：审核不通过') || !text.includes(reason))
		fail(`rejecting ${href}: status ${st}, page: ${text.slice(0, 300)}`);
	await shot(page, 'rejected');
	say(`rejected ${company} (${href}) with the reason`);
}

async function approve(page, company) {
	const href = await findApp(page, company, 'pending_review');
	await shot(page, 'app');
	const st = await submit(page, 'form:has(input[name=op][value=approve]) button[type=submit]');
	const text = await textOf(page);
	if (st !== 200 || !text.includes('已完成：审核通过'))
		fail(`approving ${href}: status ${st}, page: ${text.slice(0, 300)}`);
	await shot(page, 'approved');
	say(`approved ${company} (${href})`);
}

async function handover(page, code, idno) {
	let resp = await open(page, '/counter');
	if (!resp || resp.status() !== 200)
		fail(`/counter: status ${resp ? resp.status() : 'none'}`);
	await shot(page, 'counter');
	const find = async () => {
		await page.type('form.search[action="/counter"] input[name=code]', code);
		await submit(page, 'form.search[action="/counter"] button[type=submit]');
		const forms = await page.$$('form[action$="/hand-over"]');
		if (forms.length !== 1)
			fail(`pickup code ${code}: ${forms.length} hand-over forms, want 1: ` +
				(await textOf(page)).slice(0, 300));
	};
	await find();
	await shot(page, 'found');
	// A wrong number first: refused, nothing handed over.
	await page.type('form[action$="/hand-over"] input[name=idnumber]', '110105194912310021');
	let st = await submit(page, 'form[action$="/hand-over"] button[type=submit]');
	let text = await textOf(page);
	if (st !== 422 || !text.includes('不一致'))
		fail(`a wrong ID number: status ${st}, page: ${text.slice(0, 300)}`);
	await shot(page, 'wrong-id');
	await open(page, '/counter');
	await find();
	await page.type('form[action$="/hand-over"] input[name=idnumber]', idno);
	st = await submit(page, 'form[action$="/hand-over"] button[type=submit]');
	text = await textOf(page);
	if (st !== 200 || !text.includes('已交给经办人'))
		fail(`the hand-over: status ${st}, page: ${text.slice(0, 300)}`);
	await shot(page, 'handed-over');
	say(`handed over the order of pickup code ${code}`);
}

async function refused(page, paths) {
	for (const p of paths) {
		const resp = await open(page, p);
		const text = await textOf(page);
		if (!resp || resp.status() !== 403 || !text.includes('无权访问'))
			fail(`${p}: status ${resp ? resp.status() : 'none'}, page: ${text.slice(0, 200)}`);
		await shot(page, `refused${p.replace(/\//g, '-')}`);
	}
	say(`refused ${paths.join(' ')} (403)`);
}

async function noFormToken(page, id) {
	const resp = await open(page, `/app/${id}`);
	if (!resp || resp.status() !== 200)
		fail(`/app/${id}: status ${resp ? resp.status() : 'none'}`);
	const before = await page.$eval('p.state', (e) => e.innerText);
	// A forged form: the same action, no token (what another site could post).
	const [r] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
		page.evaluate((u) => {
			const f = document.createElement('form');
			const i = document.createElement('input');
			f.method = 'post';
			f.action = u;
			i.name = 'op';
			i.value = 'approve';
			f.appendChild(i);
			document.body.appendChild(f);
			f.submit();
		}, `/app/${id}/act`)]);
	const st = r ? r.status() : 0;
	if (st !== 403)
		fail(`a form without its token: status ${st}, want 403`);
	await shot(page, 'no-form-token');
	await page.goto(base() + `/app/${id}`, { waitUntil: 'load' });
	const after = await page.$eval('p.state', (e) => e.innerText);
	if (after !== before)
		fail(`the state changed from ${before} to ${after}`);
	say(`a form without its token refused (403), the state still ${after}`);
}

async function disable(page, name) {
	const resp = await open(page, '/staff');
	if (!resp || resp.status() !== 200)
		fail(`/staff: status ${resp ? resp.status() : 'none'}`);
	await shot(page, 'staff');
	const sel = `form[action="/staff/${name}/disable"] button[type=submit]`;
	// The button is under the account's 管理 (a <details>): open it first.
	await page.$$eval('details', (ds) => ds.forEach((d) => { d.open = true; }));
	if (!(await page.$(sel)))
		fail(`/staff has no disable button for ${name}`);
	const st = await submit(page, sel);
	const text = await textOf(page);
	if (st !== 200 || !text.includes('账号已停用'))
		fail(`disabling ${name}: status ${st}, page: ${text.slice(0, 300)}`);
	await shot(page, 'disabled');
	say(`disabled ${name}`);
}

async function signedOut(page, p) {
	await page.goto(base() + p, { waitUntil: 'load' });
	if (new URL(page.url()).pathname !== '/login')
		fail(`${p} still opens for ${who()}: ${page.url()}`);
	await shot(page, 'signed-out');
	say(`${who()}'s session has ended: ${p} lands on the sign-in page`);
}

async function audit(page, pairs) {
	const resp = await open(page, '/audit');
	if (!resp || resp.status() !== 200)
		fail(`/audit: status ${resp ? resp.status() : 'none'}`);
	await shot(page, 'audit');
	const rows = await page.$$eval('table tbody tr', (trs) => trs.map((t) => t.innerText));
	for (const pair of pairs) {
		const [name, what] = pair.split(':');
		if (!rows.some((r) => r.includes(name) && r.includes(what)))
			fail(`the audit page has no line of ${name} doing ${what}:\n${rows.join('\n')}`);
	}
	say(`the audit page shows ${pairs.join(', ')}`);
}

async function pages(page, paths) {
	for (const p of paths) {
		const resp = await open(page, p);
		if (!resp || resp.status() !== 200)
			fail(`${p}: status ${resp ? resp.status() : 'none'}`);
		await shot(page, `page${p.replace(/[/?=&]/g, '-')}`);
	}
}

async function tablet(page, paths) {
	await page.setViewport({ width: 800, height: 1280, deviceScaleFactor: 1 });
	for (const p of paths) {
		const resp = await open(page, p);
		if (!resp || resp.status() !== 200)
			fail(`${p}: status ${resp ? resp.status() : 'none'}`);
		const wide = await page.evaluate(() => document.documentElement.scrollWidth);
		if (wide > 800)
			fail(`${p} is ${wide} px wide on an 800 px screen`);
		await shot(page, `tablet${p.replace(/[/?=&]/g, '-')}`);
	}
	say(`${paths.join(' ')} fit an 800 px wide tablet`);
}

async function main() {
	const [action, ...args] = process.argv.slice(2);
	if (!action)
		fail('usage: browser_console.js ACTION ARGS... (see the top of the file)');
	actionName = action;
	const browser = await launch(env('CONSOLE_PROFILE'), env('CONSOLE_SPKI'), ['--lang=zh-CN']);
	try {
		const page = await browser.newPage();
		page.setDefaultTimeout(TIMEOUT_MS);
		await page.setViewport({ width: 1366, height: 768, deviceScaleFactor: 1 });
		page.on('dialog', (d) => d.accept()); // a confirm() a person says yes to
		switch (action) {
		case 'reject': await reject(page, args[0], args[1]); break;
		case 'approve': await approve(page, args[0]); break;
		case 'handover': await handover(page, args[0], args[1]); break;
		case 'refused': await refused(page, args); break;
		case 'no-form-token': await noFormToken(page, args[0]); break;
		case 'disable': await disable(page, args[0]); break;
		case 'signed-out': await signedOut(page, args[0]); break;
		case 'audit': await audit(page, args); break;
		case 'pages': await pages(page, args); break;
		case 'tablet': await tablet(page, args); break;
		default: fail(`unknown action ${action}`);
		}
	} finally {
		await browser.close();
	}
}

main().catch((e) => fail(e.stack || String(e)));
