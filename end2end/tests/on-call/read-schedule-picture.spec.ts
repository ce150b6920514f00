import { test, expect, type Locator, type Page } from '@playwright/test';
import { ADMIN_STATE, addPerson, createSchedule, expectHydrated, failOnPageErrors, unique } from '../support';

interface NewLayer {
  name: string;
  people: string[];
  unit: 'hours' | 'days' | 'weeks';
  handoff: string;
  start: string;
  /** Active every day between these times only. */
  hours?: [string, string];
}

/** Adds a layer through the "Add a layer" form of the Layers card. */
async function addLayer(admin: Page, layer: NewLayer): Promise<void> {
  const layers = admin.getByRole('region', { name: 'Layers' });
  const form = layers.locator('details').filter({ has: admin.locator('summary', { hasText: 'Add a layer' }) });
  if (!(await form.evaluate((details) => (details as HTMLDetailsElement).open))) {
    await form.locator('summary', { hasText: 'Add a layer' }).click();
  }
  await form.getByLabel('Layer name').fill(layer.name);
  for (const [n, person] of layer.people.entries()) {
    await form.getByLabel(`Person ${n + 1}`, { exact: true }).selectOption({ label: person });
  }
  await form.getByLabel('Shift length').fill('1');
  await form.getByLabel('Unit').selectOption(layer.unit);
  await form.getByLabel('Hand-off time').fill(layer.handoff);
  await form.getByLabel('First shift starts on').fill(layer.start);
  if (layer.hours) {
    for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']) {
      await form.getByLabel(day, { exact: true }).check();
    }
    await form.getByLabel('From', { exact: true }).fill(layer.hours[0]);
    await form.getByLabel('Until', { exact: true }).fill(layer.hours[1]);
  }
  await form.getByRole('button', { name: 'Add layer' }).click();
  await expect(layers.locator('.layer-list .cell-title', { hasText: new RegExp(`^${layer.name}$`) })).toBeVisible();
}

/** Every day label shows all of its text inside its own column. */
async function expectDayLabelsFit(card: Locator): Promise<void> {
  const clipped = await card.locator('.picture-days li').evaluateAll((days) =>
    days.filter((day) => day.scrollWidth > day.clientWidth + 1).map((day) => day.textContent),
  );
  expect(clipped).toEqual([]);
  const boxes = await card.locator('.picture-days li').evaluateAll((days) => days.map((day) => day.getBoundingClientRect().toJSON()));
  expect(boxes).toHaveLength(14);
  for (let n = 1; n < boxes.length; n++) {
    expect(boxes[n].left).toBeGreaterThanOrEqual(boxes[n - 1].right - 1);
  }
}

test('the schedule picture: a row per layer and the final row, initials and a legend, now, hand-offs by day, and days that scroll on a phone', async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ storageState: ADMIN_STATE, viewport: { width: 1280, height: 900 } });
  const admin = await context.newPage();
  const errors = failOnPageErrors(admin);

  // Three people with two-word names, so their initials are two letters.
  const ada = `${unique('Ada')} Lovelace`;
  const bob = `${unique('Bob')} Brown`;
  const cy = `${unique('Cy')} Young`;
  await admin.goto('/settings/users');
  await expectHydrated(admin);
  for (const name of [ada, bob, cy]) {
    await addPerson(admin, { email: `${unique('person')}@example.com`, name, role: 'responder', password: 'a long enough passphrase' });
  }

  // Weekly turns of Ada and Bob from today at midnight, and Cy every day from 09:00 to 17:00 on
  // top (the schedule is in UTC; the admin reads it in Europe/Paris).
  await createSchedule(admin, unique('Picture'));
  const today = new Date().toISOString().slice(0, 10);
  await addLayer(admin, { name: 'Primary', people: [ada, bob], unit: 'weeks', handoff: '00:00', start: today });
  await addLayer(admin, { name: 'Daytime', people: [cy], unit: 'days', handoff: '09:00', start: today, hours: ['09:00', '17:00'] });

  const card = admin.getByRole('region', { name: 'Who is on call' });
  // A row per layer from the top, as the Layers card lists them, then the final schedule.
  await expect(card.locator('.picture-row:not(.picture-head) .picture-label')).toHaveText(['Daytime', 'Primary', 'Final schedule']);
  const finalRow = card.getByRole('list', { name: 'Final schedule', exact: true });
  for (const row of ['Daytime', 'Primary']) {
    await expect(card.getByRole('list', { name: row, exact: true })).toBeVisible();
  }
  await expect(finalRow).toBeVisible();

  // Ada's week in the Primary row has room for her name; her nights between Cy's days show
  // her initials; every shift is reachable by keyboard and names its person and times.
  await expect(card.getByRole('list', { name: 'Primary', exact: true }).locator('.segment-text', { hasText: ada }).first()).toBeVisible();
  await expect(finalRow.locator('.segment-text').filter({ hasText: /^AL$/ }).first()).toBeVisible();
  const cyShift = finalRow.getByRole('listitem', { name: new RegExp(`^${cy}: `) }).first();
  await expect(cyShift).toHaveAttribute('tabindex', '0');
  await expect(cyShift.locator('title')).toHaveText(new RegExp(`^${cy}: .+ – .+`));
  await cyShift.focus();
  await expect(card.locator('.picture-detail')).toContainText(cy);
  await finalRow.getByRole('listitem', { name: new RegExp(`^${ada}: `) }).first().hover();
  await expect(card.locator('.picture-detail')).toContainText(ada);

  // The legend says who the initials are, each in their colour.
  const legend = card.getByRole('list', { name: 'Legend' });
  for (const [initials, name] of [['CY', cy], ['AL', ada], ['BB', bob]]) {
    const entry = legend.getByRole('listitem').filter({ hasText: name });
    await expect(entry.locator('.legend-initials')).toHaveText(initials);
    await expect(entry.locator('.legend-initials')).toHaveClass(/tint-\d/);
  }

  // A line at now over every row, labelled.
  await expect(card.locator('.now-label')).toHaveText('now');
  await expect(card.locator('.picture-track .now-line')).toHaveCount(3);

  // Hand-offs under a heading per day: today first, and tomorrow Cy takes over at 10:00 Paris
  // time and hands back at 18:00.
  const days = card.locator('.handoff-day');
  await expect(days.first().getByRole('heading', { level: 4 })).toHaveText(/^Today, /);
  const tomorrow = days.filter({ has: admin.getByRole('heading', { level: 4, name: /^Tomorrow, / }) });
  await expect(tomorrow.locator('.handoff')).toHaveCount(2);
  await expect(tomorrow.locator('.handoff').first()).toContainText(`${cy} takes over from ${ada}`);
  await expect(tomorrow.locator('.handoff').last()).toContainText(`${ada} takes over from ${cy}`);

  // On a desktop the fortnight fits without scrolling, and no day label runs into another.
  const scroller = card.locator('.schedule-picture');
  expect(await scroller.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
  await expectDayLabelsFit(card);
  await testInfo.attach('schedule picture (desktop)', { body: await card.screenshot(), contentType: 'image/png' });

  // On a phone the days scroll sideways inside the picture while the row names stay put.
  await admin.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => scroller.evaluate((el) => el.scrollWidth > el.clientWidth + 100)).toBe(true);
  const cardBox = (await card.boundingBox())!;
  expect(cardBox.x + cardBox.width).toBeLessThanOrEqual(390);
  await expectDayLabelsFit(card);
  await testInfo.attach('schedule picture (phone, first days)', { body: await card.screenshot(), contentType: 'image/png' });
  await scroller.evaluate((el) => {
    el.scrollLeft = el.scrollWidth;
  });
  await expect.poll(() => scroller.evaluate((el) => el.scrollLeft)).toBeGreaterThan(100);
  const box = (await scroller.boundingBox())!;
  for (const label of ['Daytime', 'Primary', 'Final schedule']) {
    const labelBox = (await card.locator('.picture-row:not(.picture-head) .picture-label', { hasText: label }).boundingBox())!;
    expect(labelBox.x).toBeGreaterThanOrEqual(box.x - 1);
    expect(labelBox.x + labelBox.width).toBeLessThanOrEqual(box.x + box.width / 2);
  }
  // The last day has come into view.
  const lastDay = (await card.locator('.picture-days li').last().boundingBox())!;
  expect(lastDay.x + lastDay.width).toBeLessThanOrEqual(box.x + box.width + 1);
  expect(lastDay.x).toBeGreaterThanOrEqual(box.x);
  await testInfo.attach('schedule picture (phone, scrolled to the last days)', { body: await card.screenshot(), contentType: 'image/png' });

  expect(errors).toEqual([]);
  await context.close();
});
