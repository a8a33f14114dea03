// tests/hub/browser.js - what the browser tests share (browser_invoice.js,
// browser_console.js): Debian's chromium, headless, started through
// puppeteer-core (pinned in tools/browser/), and the way a test says it
// failed or cannot run here.
//
//   const browser = require('./browser')('browser_console');
//   const b = await browser.launch(profileDir, spki, ['--lang=zh-CN']);
//
// launch() trusts the one loopback certificate whose public key's SHA-256
// is spki (base64), no other; a chromium that cannot start is a skip (exit
// 77), not a failure.
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const CHROMIUM = process.env.CA_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = 20000;

module.exports = (name) => {
	const fail = (msg) => {
		process.stderr.write(`${name}: FAIL: ${msg}\n`);
		process.exit(1);
	};
	const skip = (msg) => {
		process.stderr.write(`${name}: SKIP: chromium cannot run here: ${msg}\n`);
		process.exit(77);
	};
	const launch = async (profile, spki, extra) => {
		const req = createRequire(path.join(__dirname, '../../tools/browser/package.json'));
		let puppeteer;
		try {
			puppeteer = req('puppeteer-core');
		} catch (e) {
			fail('puppeteer-core is not installed in tools/browser (make installs it): ' +
				e.message);
		}
		if (!fs.existsSync(CHROMIUM))
			skip(`${CHROMIUM} is not installed`);
		const args = ['--headless=new', '--disable-gpu', '--no-first-run',
			'--disable-dev-shm-usage', '--user-data-dir=' + profile, ...(extra || [])];
		if (process.getuid && process.getuid() === 0)
			args.push('--no-sandbox'); // chromium refuses to run as root with its sandbox
		if (spki)
			args.push('--ignore-certificate-errors-spki-list=' + spki);
		try {
			return await puppeteer.launch({ executablePath: CHROMIUM, args, headless: true,
				timeout: TIMEOUT_MS });
		} catch (e) {
			skip(e.message.split('\n')[0]);
		}
		return null;
	};
	return { fail, skip, launch, TIMEOUT_MS };
};
