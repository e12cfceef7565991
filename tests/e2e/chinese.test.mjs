// The page in Simplified Chinese (issue 16, item 5): opened with lang=zh in the address,
// every section's headings and controls read Chinese and no English sentence is left in
// what a student sees; a bad input (worded by the core as a message code) shows its
// message in Chinese; the choice stays after a reload and the header's control switches
// back; axe still finds nothing serious. Section 6's bad course file and bad weights file
// (the core's and the HDF5 module's coded messages) read Chinese, and a language switch
// rewords the messages already shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launch, openPage, byTestId, waitText, axe, visibleErrors, ROOT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

const SECTIONS = ['conv', 'edges', 'shapes', 'volumes', 'pooling', 'backprop', 'train', 'classify'];
const CJK = /[\u4e00-\u9fff]/;

// English left in a section: three lowercase English words in a row (a sentence's words;
// names such as "Sign Language Digits Dataset", code such as conv_backward and formulas
// are not sentences), in text a student can see. The notebook's own printout (lang="en")
// is English on purpose.
const englishLeft = (page, id) => page.evaluate((id) => {
  const found = [];
  const walker = document.createTreeWalker(document.getElementById(id), NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el.checkVisibility?.() || el.closest('[lang="en"], code, kbd')) continue;
    const m = n.textContent.match(/\b[a-z]{2,}\s+[a-z]{2,}\s+[a-z]{2,}\b/);
    if (m) found.push(`${m[0]} — in “${n.textContent.trim().slice(0, 80)}”`);
  }
  // Names read by screen readers count too.
  for (const el of document.getElementById(id).querySelectorAll('[aria-label], [title]')) {
    for (const text of [el.getAttribute('aria-label'), el.title]) {
      const m = text?.match(/\b[a-z]{2,}\s+[a-z]{2,}\s+[a-z]{2,}\b/);
      if (m && el.checkVisibility?.()) found.push(`${m[0]} — in a name “${text.slice(0, 80)}”`);
    }
  }
  return found;
}, id);

test('every section in Chinese: headings, controls, no English sentence, a bad input worded in Chinese, axe clean', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#conv&lang=zh`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-Hans');
  assert.equal(await byTestId(page, 'lang').inputValue(), 'zh');
  assert.match(await page.title(), CJK);
  assert.match(await page.locator('nav').innerText(), /卷积.*边缘检测.*填充.*池化.*反向传播/s);
  for (const id of SECTIONS) {
    await page.evaluate((id) => { location.hash = `#${id}&lang=zh`; }, id);
    await page.locator(`#${id}:not([hidden]) h2`).waitFor();
    if (id === 'train') await waitText(page, 'train-data-status', '内置的合成手势图', 60000);
    if (id === 'classify') {
      // A photo answered, so the answer, the crop and the Grad-CAM note are looked at too.
      await byTestId(page, 'classify-example').first().click();
      await waitText(page, 'classify-prediction', '根手指', 60000);
    }
    assert.match(await page.locator(`#${id} h2`).innerText(), CJK, `${id}: heading`);
    const controls = await page.locator(`#${id} :is(button, label, option, th, figcaption, h3)`).evaluateAll(
      (els) => els.filter((e) => e.checkVisibility() && e.textContent.trim()).map((e) => e.textContent.trim()));
    assert.ok(controls.some((c) => CJK.test(c)), `${id}: its controls read Chinese`);
    assert.deepEqual(await englishLeft(page, id), [], `${id}: English left`);
    assert.deepEqual(await axe(page, id), [], `${id}: axe`);
  }

  // Bad inputs: the core's messages arrive as codes and are worded in Chinese.
  await page.evaluate(() => { location.hash = '#shapes&n=7&f=3&p=0&s=0&lang=zh'; });
  await page.locator('#shapes [data-testid="error"]:not([hidden])').filter({ hasText: '步长 s 至少要是 1' }).waitFor();

  await page.evaluate(() => { location.hash = '#volumes&net=lenet5&lang=zh'; });
  await page.locator('#volumes:not([hidden])').waitFor();
  await page.locator('#volumes [data-testid="volumes-table"] input[aria-label="第 2 层的过滤器大小 f"]').fill('99');
  await page.locator('#volumes [data-testid="volumes-table"] input[aria-label="第 2 层的过滤器大小 f"]').dispatchEvent('change');
  assert.match(await page.locator('#volumes .faulty-note').innerText(), /^第 2 层（.+）：.*比.*还大/);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('the language stays after a reload, and the header control switches back to English', async () => {
  const { page, context } = await openPage(browser, `${server.url}#pooling&lang=zh`);
  assert.equal(await page.locator('#pooling h2').innerText(), '5. 池化');
  // A link without lang= on this device: still Chinese (remembered in localStorage).
  await page.goto(`${server.url}#pooling`);
  await page.locator('#pooling:not([hidden]) h2').waitFor();
  assert.equal(await page.locator('#pooling h2').innerText(), '5. 池化');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-Hans');
  // Switched in the header: the shown section rewords at once, the address drops lang=.
  await byTestId(page, 'lang').selectOption('en');
  assert.equal(await page.locator('#pooling h2').innerText(), '5. Pooling');
  assert.match(await page.locator('#pooling [data-testid="pool-note"]').innerText(), /^Window row 1, column 1: max 9/);
  assert.doesNotMatch(await page.evaluate(() => location.hash), /lang=/);
  await page.reload();
  await page.locator('#pooling:not([hidden]) h2').waitFor();
  assert.equal(await page.locator('#pooling h2').innerText(), '5. Pooling');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await context.close();
});

test('section 6 in Chinese: a bad .h5 file and a bad weights file are worded in Chinese, and a language switch rewords them', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#train&lang=zh`);
  await waitText(page, 'train-data-status', '内置的合成手势图', 60000);
  await byTestId(page, 'train-data-input').setInputFiles(path.join(ROOT, 'crate/tests/fixtures/h5/not_hdf5.h5'));
  await page.locator('#train [data-testid="error"]:not([hidden])').filter({ hasText: 'not_hdf5.h5' }).waitFor({ timeout: 30000 });
  await byTestId(page, 'train-load-input').setInputFiles({
    name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "convlab-weights", "version": 99}'),
  });
  await page.locator('#train [data-testid="error"]:not([hidden])').filter({ hasText: '99' }).waitFor({ timeout: 30000 });
  const shown = async () => (await visibleErrors(page, 'train')).sort();
  const [data, weights] = await shown();
  assert.match(data, /^not_hdf5\.h5：这不是 HDF5 文件（它不以 HDF5 签名开头）/);
  assert.match(weights, /^不支持版本 99 的权重文件：这个 ConvLab 能读的版本是 1 和 2$/);
  assert.deepEqual(await englishLeft(page, 'train'), [], 'English left in section 6');

  // Switched in the header: the messages already shown are reworded at once, and back.
  await byTestId(page, 'lang').selectOption('en');
  assert.deepEqual(await shown(), [
    'not_hdf5.h5: This is not an HDF5 file (it does not start with the HDF5 signature): expected a file such as train_signs.h5 or test_signs.h5.',
    'weights file version 99 is not supported: this ConvLab reads versions 1 and 2',
  ]);
  await byTestId(page, 'lang').selectOption('zh');
  assert.deepEqual(await shown(), [data, weights]);
  assert.deepEqual(problems.console, []);
  await context.close();
});
