#!/usr/bin/env node
// tests/hub/browser_invoice.js - the invoice page in a real browser: Debian's
// chromium, headless, driven by puppeteer-core (pinned in tools/browser/).
//
//   node tests/hub/browser_invoice.js URL COMPANY AMOUNT DIR [SPKI]
//
// Opens URL (the hub's invoice page on loopback), checks that it asks for
// 单位名称, types COMPANY into the field, submits the form, checks the
// preview shows AMOUNT, clicks the PDF link and lets the browser download
// the file into DIR, then reads it with pdftotext and checks it holds
// COMPANY and AMOUNT. SPKI (base64 SHA-256 of the hub certificate's public
// key) makes chromium accept that one self-signed loopback certificate and
// no other. A screenshot of each page is left in DIR.
//
// Exit status: 0 every check held; 1 a check failed (the reason on stderr);
// 77 chromium cannot run on this machine (the reason on stderr: skip).
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const { fail, launch, TIMEOUT_MS } = require('./browser')('browser_invoice');

async function main() {
	const [url, company, amount, dir, spki] = process.argv.slice(2);
	if (!url || !company || !amount || !dir)
		fail('usage: browser_invoice.js URL COMPANY AMOUNT DIR [SPKI]');
	const browser = await launch(path.join(dir, 'profile'), spki);
	try {
		await run(browser, url, company, amount, dir);
	} finally {
		await browser.close();
	}
}

async function run(browser, url, company, amount, dir) {
	const page = await browser.newPage();
	page.setDefaultTimeout(TIMEOUT_MS);
	await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1, isMobile: true });

	let resp = await page.goto(url, { waitUntil: 'load' });
	if (!resp || resp.status() !== 200)
		fail(`GET ${url}: status ${resp ? resp.status() : 'none'}`);
	let text = await page.evaluate(() => document.body.innerText);
	if (!text.includes('单位名称'))
		fail(`the page does not ask for 单位名称: ${text.slice(0, 200)}`);
	await page.screenshot({ path: path.join(dir, 'form.png'), fullPage: true });

	await page.type('#company', company);
	[resp] = await Promise.all([
		page.waitForNavigation({ waitUntil: 'load' }),
		page.click('#submit'),
	]);
	if (!resp || resp.status() !== 200)
		fail(`submitting the name: status ${resp ? resp.status() : 'none'}`);
	text = await page.evaluate(() => document.body.innerText);
	if (!text.includes(amount) || !text.includes(company))
		fail(`the preview lacks the amount or the company: ${text.slice(0, 300)}`);
	// Every field of a 数电票 the person checks: the tax and who issued it.
	for (const want of ['税率', '6%', '税额', '价税合计（大写）', '开票人', '下载 XML 数据文件'])
		if (!text.includes(want))
			fail(`the preview lacks ${want}: ${text.slice(0, 600)}`);
	await page.screenshot({ path: path.join(dir, 'preview.png'), fullPage: true });

	// The browser downloads the PDF as a person's would, into dir.
	const dl = path.join(dir, 'download');
	fs.mkdirSync(dl, { recursive: true });
	const cdp = await browser.target().createCDPSession();
	await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dl,
		eventsEnabled: true });
	const done = new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error('no download within the timeout')),
			TIMEOUT_MS);
		cdp.on('Browser.downloadProgress', (ev) => {
			if (ev.state === 'completed') {
				clearTimeout(t);
				resolve();
			} else if (ev.state === 'canceled') {
				clearTimeout(t);
				reject(new Error('the download was cancelled'));
			}
		});
	});
	await page.click('#pdf');
	try {
		await done;
	} catch (e) {
		fail(e.message);
	}
	const pdfs = fs.readdirSync(dl).filter((f) => f.endsWith('.pdf'));
	if (pdfs.length !== 1)
		fail(`expected one PDF in ${dl}, found: ${fs.readdirSync(dl).join(', ')}`);
	const file = path.join(dl, pdfs[0]);
	const head = fs.readFileSync(file).subarray(0, 5).toString('latin1');
	if (head !== '%PDF-')
		fail(`${file} is not a PDF (starts with ${JSON.stringify(head)})`);
	let pdfText;
	try {
		pdfText = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
	} catch (e) {
		fail(`pdftotext: ${e.message}`);
	}
	if (!pdfText.includes(company))
		fail(`pdftotext does not find the company in ${pdfs[0]}:\n${pdfText}`);
	if (!pdfText.includes(amount.replace('¥', '')))
		fail(`pdftotext does not find the amount in ${pdfs[0]}:\n${pdfText}`);
	for (const want of ['税率', '6%', '开票人'])
		if (!pdfText.includes(want))
			fail(`pdftotext does not find ${want} in ${pdfs[0]}:\n${pdfText}`);
	// The structured XML of the same invoice, downloaded the same way.
	const number = pdfs[0].replace(/^invoice-/, '').replace(/\.pdf$/, '');
	const xmlDone = new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error('no XML download within the timeout')),
			TIMEOUT_MS);
		cdp.on('Browser.downloadProgress', (ev) => {
			if (ev.state === 'completed') {
				clearTimeout(t);
				resolve();
			}
		});
	});
	await page.click('#xml');
	try {
		await xmlDone;
	} catch (e) {
		fail(e.message);
	}
	const xmls = fs.readdirSync(dl).filter((f) => f.endsWith('.xml'));
	if (xmls.length !== 1 || !xmls[0].includes(number))
		fail(`expected invoice-${number}.xml in ${dl}, found: ${fs.readdirSync(dl).join(', ')}`);
	const xml = fs.readFileSync(path.join(dl, xmls[0]), 'utf8');
	if (!xml.startsWith('<?xml') || !xml.includes(number) || !xml.includes(company))
		fail(`${xmls[0]} is not the invoice's XML:\n${xml.slice(0, 400)}`);
	process.stdout.write(`browser_invoice: page, name check, preview, ${pdfs[0]} ` +
		`(${fs.statSync(file).size} bytes; pdftotext shows the company, ${amount}, the ` +
		`rate and the issuer) and ${xmls[0]} ok\n`);
}

main().catch((e) => fail(e.stack || String(e)));
