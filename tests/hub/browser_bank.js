#!/usr/bin/env node
// tests/hub/browser_bank.js - 个人网银 in a real browser: Debian's chromium,
// headless, driven by puppeteer-core (pinned in tools/browser/), as a phone
// held upright (390x844 CSS px at 2 device pixels a pixel, touch, a mobile
// user agent, zh-CN).
//
//   node tests/hub/browser_bank.js URL CLOSED_URL BANK AMOUNT GATEWAY DIR [SPKI]
//
// Opens URL (the kiosk's QR code: the hub's bank page), checks what the
// person must see (the bank's name BANK, the amount AMOUNT in yuan as
// "¥300.00", the time left, the button 前往银行付款), taps the button,
// lands on the gateway's page at GATEWAY (https://HOST:PORT, ca-paysim's
// bank page), taps 确认付款, lands on its result and taps 返回商户, which
// posts the signed result back to the hub's page: it must say 支付成功 with
// no form. Then CLOSED_URL (an order past its time) must say it is closed
// and offer no form. Throughout: every request the pages make stays on
// URL's origin or GATEWAY, chromium reports no Content Security Policy
// violation, and each page is fit for a person holding the phone: no
// wider than the screen (the hub's page also at 360 px), no text under
// 16 px, no label or button broken over lines, buttons at least 44 px,
// no Latin word but the order's number. SPKI (base64 SHA-256 of the
// certificate's public key, the hub's and the simulator's) makes chromium
// accept that one loopback certificate and no other. A screenshot of each
// page is left in DIR (bank-NN-what.png).
//
// Exit status: 0 every check held; 1 a check failed (the reason on stderr);
// 77 chromium cannot run on this machine (the reason on stderr: skip).
'use strict';

const fs = require('fs');
const path = require('path');

const { fail, launch, TIMEOUT_MS } = require('./browser')('browser_bank');

const PHONE = { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const PHONE_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 ' +
	'(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const MIN_FONT_PX = 16;   // the smallest text a person reads at arm's length
const MIN_TAP_PX = 44;    // the smallest button a finger hits

function say(msg) {
	process.stdout.write(`browser_bank: ${msg}\n`);
}

async function main() {
	const [url, closedUrl, bank, amount, gateway, dir, spki] = process.argv.slice(2);
	if (!url || !closedUrl || !bank || !amount || !gateway || !dir)
		fail('usage: browser_bank.js URL CLOSED_URL BANK AMOUNT GATEWAY DIR [SPKI]');
	fs.mkdirSync(dir, { recursive: true });
	const browser = await launch(path.join(dir, 'profile'), spki, ['--lang=zh-CN']);
	try {
		await run(browser, { url, closedUrl, bank, amount, gateway, dir });
	} finally {
		await browser.close();
	}
}

async function run(browser, t) {
	const hub = new URL(t.url).origin;
	const no = t.url.split('/').pop();
	const closedNo = t.closedUrl.split('/').pop();
	const gw = new URL(t.gateway).origin;
	const page = await browser.newPage();
	page.setDefaultTimeout(TIMEOUT_MS);
	await page.setViewport(PHONE);
	await page.setUserAgent(PHONE_UA);

	// Every request of every page, and what the console says.
	const requests = [];
	page.on('request', (r) => requests.push(r.url()));
	// CSP violations: as the console prints them and as DevTools' issues;
	// a tap waiting for its page gives up at the first.
	const csp = [];
	let violated = () => {};
	const violation = (what) => {
		csp.push(what);
		violated();
	};
	page.on('console', (m) => {
		if (/Content.Security.Policy/i.test(m.text()))
			violation(m.text());
	});
	const cdp = await page.createCDPSession();
	cdp.on('Audits.issueAdded', (ev) => {
		if (ev.issue.code === 'ContentSecurityPolicyIssue')
			violation(JSON.stringify(ev.issue.details.contentSecurityPolicyIssueDetails));
	});
	await cdp.send('Audits.enable');
	const noViolation = (where) => {
		if (csp.length)
			fail(`${where}: chromium reports a CSP violation: ${csp.join(' | ')}`);
	};

	let shotNo = 0;
	const shot = async (what) => {
		shotNo++;
		const name = `bank-${String(shotNo).padStart(2, '0')}-${what}.png`;
		await page.screenshot({ path: path.join(t.dir, name), fullPage: true });
		say(`shot ${name}`);
	};
	const text = () => page.evaluate(() => document.body.innerText);
	const mustSay = async (where, words) => {
		const s = await text();
		for (const w of words)
			if (!s.includes(w))
				fail(`${where} does not say ${w}: ${s.slice(0, 400)}`);
		return s;
	};
	// What a person holding the phone needs of any page: it fits the
	// screen's width, its text is large enough, its labels and buttons
	// are on one line, its buttons are tap-sized and inside the screen,
	// and it is in Chinese: no Latin word but the order's number.
	const readable = async (where, latin) => {
		const r = await page.evaluate((minFont) => {
			const out = { width: document.documentElement.scrollWidth, view: innerWidth,
				small: [], broken: [], buttons: [], text: document.body.innerText };
			const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
			for (let n = walker.nextNode(); n; n = walker.nextNode()) {
				if (!n.textContent.trim())
					continue;
				const px = parseFloat(getComputedStyle(n.parentElement).fontSize);
				if (px < minFont)
					out.small.push(`${n.textContent.trim().slice(0, 20)} (${px}px)`);
			}
			for (const e of document.querySelectorAll('dt, button')) {
				const st = getComputedStyle(e);
				const lines = (e.clientHeight - parseFloat(st.paddingTop) -
					parseFloat(st.paddingBottom)) / parseFloat(st.lineHeight);
				if (lines > 1.5)
					out.broken.push(e.innerText.replace(/\n/g, '/'));
			}
			for (const b of document.querySelectorAll('button')) {
				const box = b.getBoundingClientRect();
				out.buttons.push({ text: b.innerText, w: box.width, h: box.height,
					left: box.left, right: box.right, fits: b.scrollWidth <= b.clientWidth });
			}
			return out;
		}, MIN_FONT_PX);
		if (r.width > r.view)
			fail(`${where} is wider than the phone: ${r.width} > ${r.view} CSS px`);
		if (r.small.length)
			fail(`${where} has text under ${MIN_FONT_PX}px: ${r.small.join(', ')}`);
		if (r.broken.length)
			fail(`${where} breaks a label or button over lines: ${r.broken.join(', ')}`);
		for (const b of r.buttons) {
			if (b.h < MIN_TAP_PX || b.w < MIN_TAP_PX)
				fail(`${where}: button ${b.text} is ${b.w}x${b.h} CSS px, under ` +
					`${MIN_TAP_PX}`);
			if (b.left < 0 || b.right > r.view || !b.fits)
				fail(`${where}: button ${b.text} does not fit the screen`);
		}
		const words = (r.text.match(/[A-Za-z][A-Za-z0-9]*/g) || []).filter((w) => w !== latin);
		if (words.length)
			fail(`${where} is not all Chinese: ${words.join(' ')}`);
	};
	// Tap the one button (a person's finger) and wait for the page it
	// posts to; the response.
	const tap = async (where, label) => {
		const buttons = await page.$$('form button[type=submit]');
		if (buttons.length !== 1)
			fail(`${where} has ${buttons.length} form buttons, not one`);
		const said = await page.evaluate((b) => b.innerText, buttons[0]);
		if (said !== label)
			fail(`${where}'s button says ${said}, not ${label}`);
		const blocked = new Promise((resolve) => {
			violated = resolve;
		});
		const [resp] = await Promise.race([Promise.all([
			page.waitForNavigation({ waitUntil: 'load' }),
			buttons[0].tap(),
		]), blocked.then(() => [null])]);
		noViolation(`tapping ${label} on ${where}`);
		return resp;
	};
	const formAction = () => page.$eval('form', (f) => f.action);

	// 0. The QR code's page on a narrow phone (360 CSS px): it still fits.
	await page.setViewport({ ...PHONE, width: 360, height: 740 });
	let resp = await page.goto(t.url, { waitUntil: 'load' });
	if (!resp || resp.status() !== 200)
		fail(`GET ${t.url}: status ${resp ? resp.status() : 'none'}`);
	await shot('hub-page-360');
	await readable('the hub\'s page at 360 px', no);
	await page.setViewport(PHONE);

	// 1. The QR code's page.
	resp = await page.goto(t.url, { waitUntil: 'load' });
	if (!resp || resp.status() !== 200)
		fail(`GET ${t.url}: status ${resp ? resp.status() : 'none'}`);
	await shot('hub-page');
	let s = await mustSay('the hub\'s page', ['个人网银支付', '数字证书办理费', t.bank, t.amount,
		'剩余支付时间', '支付截止时间', '前往银行付款']);
	const left = /剩余支付时间\s*(\d\d):(\d\d)/.exec(s);
	if (!left || Number(left[1]) * 60 + Number(left[2]) < 240)
		fail(`the hub's page shows no fresh time left: ${s.slice(0, 300)}`);
	if (await page.$eval('html', (h) => h.lang) !== 'zh-CN')
		fail('the hub\'s page is not marked zh-CN');
	await readable('the hub\'s page', no);
	const action = await formAction();
	if (action !== `${gw}/gateway/api/frontTransReq.do`)
		fail(`the hub's page posts to ${action}, not the gateway's frontTransReq.do`);
	noViolation('the hub\'s page');

	// 2. The bank's page (the simulator's gateway).
	resp = await tap('the hub\'s page', '前往银行付款');
	if (!resp || resp.status() !== 200 || new URL(page.url()).origin !== gw)
		fail(`after 前往银行付款: ${page.url()} status ${resp ? resp.status() : 'none'}: ` +
			`${(await text()).slice(0, 300)}`);
	await shot('gateway-page');
	await mustSay('the bank\'s page', [t.bank, t.amount.replace('¥', ''), '确认付款']);
	await readable('the bank\'s page', no);

	// 3. Paid at the bank; its result page leads back to the merchant.
	resp = await tap('the bank\'s page', '确认付款');
	if (!resp || resp.status() !== 200)
		fail(`after 确认付款: status ${resp ? resp.status() : 'none'}: ` +
			`${(await text()).slice(0, 300)}`);
	await shot('gateway-paid');
	await mustSay('the bank\'s result', ['支付成功', '返回商户']);
	await readable('the bank\'s result', no);
	if (await formAction() !== t.url)
		fail(`the bank's result goes back to ${await formAction()}, not ${t.url}`);

	// 4. Back on the hub's page (frontUrl): paid, nothing left to do.
	resp = await tap('the bank\'s result', '返回商户');
	if (!resp || resp.status() !== 200 || page.url() !== t.url)
		fail(`back at ${page.url()}: status ${resp ? resp.status() : 'none'} (the hub did ` +
			`not take the gateway's result): ${(await text()).slice(0, 300)}`);
	await shot('hub-paid');
	await mustSay('the hub\'s page once paid', ['支付成功', t.bank, t.amount]);
	if (await page.$eval('p.state', (p) => p.dataset.state) !== 'SUCCESS')
		fail('the hub\'s page once paid is not data-state SUCCESS');
	if (await page.$('form'))
		fail('the hub\'s page once paid still offers a form');
	await readable('the hub\'s page once paid', no);
	noViolation('the hub\'s page once paid');

	// 5. An order past its time: it says so and offers nothing.
	resp = await page.goto(t.closedUrl, { waitUntil: 'load' });
	if (!resp || resp.status() !== 200)
		fail(`GET ${t.closedUrl}: status ${resp ? resp.status() : 'none'}`);
	await shot('hub-closed');
	s = await mustSay('the closed order\'s page', ['已关闭', '不能再付款', t.amount]);
	if (s.includes('剩余支付时间') || s.includes('前往银行付款') || await page.$('form'))
		fail(`the closed order's page still offers to pay: ${s.slice(0, 300)}`);
	await readable('the closed order\'s page', closedNo);
	noViolation('the closed order\'s page');

	// Nothing but the test's two hosts was ever asked for.
	const away = requests.filter((u) => ![hub, gw].includes(new URL(u).origin));
	if (away.length)
		fail(`the pages loaded from elsewhere: ${away.join(', ')}`);
	say(`paid at ${gw} and back at ${hub}: ${requests.length} requests, all on the two ` +
		'hosts, no CSP violation; the closed order offers nothing');
}

main().catch((e) => fail(e.stack || String(e)));
