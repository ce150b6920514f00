import { test, expect, type Page } from '@playwright/test';
import { ADMIN, ADMIN_STATE, addPerson, expectHydrated, failOnPageErrors, signIn, unique } from '../support';

function isoDate(offsetDays: number): string {
  const date = new Date();
  date.setDate(date.getDate() + offsetDays);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

async function changeStatus(page: Page, status: string) {
  await page.getByLabel('New status').selectOption({ label: status });
  await page.getByRole('button', { name: 'Change status' }).click();
  await expect(page.getByLabel('Status and severity').getByText(status, { exact: true })).toBeVisible();
}

/** Adds an action item through the form in `region`. */
async function addItem(page: Page, region: string, title: string, owner: string, due: string) {
  const card = page.getByRole('region', { name: region });
  // The form folds away behind "Add an action item" (it may still be open from the last one).
  if (!(await card.getByLabel('What needs doing').isVisible())) await card.getByText('Add an action item').click();
  await card.getByLabel('What needs doing').fill(title);
  await card.getByLabel('Item owner').selectOption({ label: owner });
  await card.getByLabel('Deadline').fill(due);
  await card.getByLabel('Priority').selectOption('p1');
  await card.getByRole('button', { name: 'Add action item' }).click();
  await expect(card.getByRole('link', { name: title })).toBeVisible();
}

test('a post-mortem is written, reviewed and published; its action items are tracked until done', async ({ browser }) => {
  test.setTimeout(150_000);
  const adminContext = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await adminContext.newPage();
  const errors = failOnPageErrors(admin);
  const bob = { email: `${unique('bob')}@example.com`, name: unique('Bob'), role: 'responder' as const, password: 'bob passphrase 2026' };
  await admin.goto('/settings/users');
  await expectHydrated(admin);
  await addPerson(admin, bob);

  // An incident with a pinned note, resolved.
  const title = unique('Checkout latency');
  await admin.goto('/incidents/declare');
  await expectHydrated(admin);
  await admin.getByLabel('Title').fill(title);
  await admin.getByLabel('Severity').selectOption({ index: 1 });
  await admin.getByRole('button', { name: 'Declare incident' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expectHydrated(admin);
  const incidentUrl = admin.url();
  const note = `Connection pool exhausted on db-1 ${unique('n')}`;
  await admin.getByLabel('Note', { exact: true }).fill(note);
  await admin.getByRole('button', { name: 'Add note' }).click();
  await admin.getByRole('listitem').filter({ hasText: note }).getByRole('button', { name: /^Pin entry/ }).click();
  await expect(admin.getByRole('listitem').filter({ hasText: note }).getByText('Pinned', { exact: true })).toBeVisible();
  const card = admin.getByRole('region', { name: 'Post-mortem' });
  await expect(card).toContainText('once the incident is resolved');
  await changeStatus(admin, 'Resolved');

  // Start the post-mortem: its timeline has the pinned entry and the key times.
  await card.getByLabel('Post-mortem owner').selectOption({ label: ADMIN.name });
  await card.getByRole('button', { name: 'Start post-mortem' }).click();
  await expect(admin).toHaveURL(/\/post-mortems\/\d+$/);
  await expectHydrated(admin);
  const postMortemUrl = admin.url();
  await expect(admin.getByRole('heading', { level: 1, name: title })).toBeVisible();
  const timeline = admin.getByRole('region', { name: 'Timeline', exact: true });
  await expect(timeline).toContainText(note);
  await expect(timeline).toContainText('Impact started');
  await expect(timeline).toContainText('Resolved');

  // Write sections (each editor folds away behind "Edit"); the preview follows the text, and
  // the blameless check speaks up.
  const rootCause = admin.getByRole('region', { name: 'Root cause' });
  const editor = rootCause.getByLabel('Root cause', { exact: true });
  await expect(editor).toBeHidden();
  await rootCause.locator('summary', { hasText: 'Edit' }).click();
  await editor.fill(`${bob.name.split('-')[0]} broke the pool settings.`);
  await expect(rootCause.getByRole('status')).toContainText('Blameless check');
  // Without naming anyone Quell knows, too.
  await editor.fill('The on-call engineer forgot to check the dashboard.');
  await expect(rootCause.getByRole('status')).toContainText('makes the on-call engineer the cause');
  await editor.fill('The pool was sized for **average** load, not the peak after a deploy.');
  await expect(rootCause.getByLabel('Preview of Root cause').locator('strong')).toHaveText('average');
  await expect(rootCause.getByRole('status')).not.toContainText('Blameless check');
  await rootCause.getByRole('button', { name: 'Save section' }).click();
  await expect(rootCause.locator('.entry-body').first()).toContainText('sized for average load');
  const summary = admin.getByRole('region', { name: 'Summary', exact: true });
  await summary.locator('summary', { hasText: 'Edit' }).click();
  await summary.getByLabel('Summary', { exact: true }).fill('Checkout was slow for 40 minutes.');
  await summary.getByRole('button', { name: 'Save section' }).click();
  await expect(summary.locator('.entry-body').first()).toContainText('Checkout was slow for 40 minutes.');

  // Impact (the figures, shown in the template's Impact section) and a contributing factor.
  const impact = admin.getByRole('region', { name: 'Impact', exact: true });
  await impact.getByText('Edit impact and owner').click();
  await impact.getByLabel('Users affected').fill('About 3,000 shoppers');
  await impact.getByRole('button', { name: 'Save impact' }).click();
  await expect(impact).toContainText('About 3,000 shoppers');
  const factors = admin.getByRole('region', { name: 'Contributing factors' });
  await factors.getByLabel('Category').selectOption('process');
  await factors.getByLabel('Factor').fill('No load test before the deploy');
  await factors.getByRole('button', { name: 'Add factor' }).click();
  await expect(factors.locator('.catalog-head', { hasText: 'No load test before the deploy' })).toBeVisible();

  // Two action items for Bob: one next week, one already late.
  const soonItem = unique('Size the pool for peak');
  const lateItem = unique('Add a load test to the pipeline');
  await addItem(admin, 'Action items', soonItem, bob.name, isoDate(7));
  await addItem(admin, 'Action items', lateItem, bob.name, isoDate(-1));
  const items = admin.getByRole('region', { name: 'Action items' });
  await expect(items.locator('.catalog-item.overdue')).toContainText(lateItem);
  await expect(items.locator('.catalog-item.overdue').getByText('Overdue', { exact: true })).toBeVisible();
  await expect(admin.locator('#completion')).toHaveText('Action items: 0 of 2 done');

  // Review: Bob reviews, approves; the owner publishes.
  const review = admin.getByRole('region', { name: 'Review' });
  await review.getByLabel('Reviewer', { exact: true }).selectOption({ label: bob.name });
  await review.getByRole('button', { name: 'Add reviewer' }).click();
  await expect(review.getByRole('list', { name: 'Reviewers' })).toContainText(bob.name);
  await admin.getByRole('button', { name: 'Send to review' }).click();
  await expect(admin.getByLabel('Status', { exact: true }).getByText('In review', { exact: true })).toBeVisible();
  // Publishing waits for the approval: the button says so instead of failing.
  const workflow = admin.getByRole('region', { name: 'Workflow' });
  const publish = workflow.getByRole('button', { name: 'Publish', exact: true });
  await expect(publish).toBeDisabled();
  await expect(workflow).toContainText('Needs 1 more approval');

  const bobContext = await browser.newContext();
  const bobPage = await bobContext.newPage();
  const bobErrors = failOnPageErrors(bobPage);
  await signIn(bobPage, bob.email, bob.password);
  await bobPage.goto(postMortemUrl);
  await expectHydrated(bobPage);
  const bobReview = bobPage.getByRole('region', { name: 'Review' });
  await bobReview.getByLabel('Your review').selectOption('approved');
  await bobReview.getByLabel('Review comment').fill('Clear and blameless. Ship it.');
  await bobReview.getByRole('button', { name: 'Submit review' }).click();
  await expect(bobReview.getByRole('list', { name: 'Reviewers' })).toContainText('Approved');
  // The owner's page hears of the approval without a reload.
  await expect(review.getByRole('list', { name: 'Reviewers' })).toContainText('Approved');
  await expect(publish).toBeEnabled();
  await publish.click();
  await expect(admin.getByLabel('Status', { exact: true }).getByText('Published', { exact: true })).toBeVisible();
  await expect(bobPage.getByText('Published: it is read-only now.')).toBeVisible();
  await expect(bobPage.getByRole('region', { name: 'Root cause' }).getByLabel('Root cause', { exact: true })).toHaveCount(0);

  // A summary for customers goes to the status page as a public update.
  const customerSummary = admin.getByRole('region', { name: 'Customer summary' });
  await expect(customerSummary.getByLabel('Summary for customers')).toHaveValue('Checkout was slow for 40 minutes.');
  const told = `Checkout was slow for 40 minutes; we added capacity and a load test. ${unique('s')}`;
  await customerSummary.getByLabel('Summary for customers').fill(told);
  await customerSummary.getByRole('button', { name: 'Publish on the status page' }).click();
  await expect(customerSummary.getByRole('status')).toContainText('Published on the status page.');
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  await visitor.goto(`/status/incidents/${incidentUrl.split('/').pop()}`);
  await expect(visitor.getByText(told)).toBeVisible();
  await visitorContext.close();

  // Bob's own list: both items, the late one overdue; he marks the other done.
  await bobPage.goto('/action-items');
  await expectHydrated(bobPage);
  const mine = bobPage.getByRole('region', { name: 'Action items' });
  await expect(mine.getByRole('link', { name: soonItem })).toBeVisible();
  await expect(mine.locator('.catalog-item.overdue')).toContainText(lateItem);
  await mine.getByRole("button", { name: `Mark done ${soonItem}` }).click();
  await expect(mine.getByRole('link', { name: soonItem })).toHaveCount(0);
  // The post-mortem (open on the owner's screen) and the incident count it, live.
  await expect(admin.locator('#completion')).toHaveText('Action items: 1 of 2 done');
  await admin.goto(incidentUrl);
  await expectHydrated(admin);
  await expect(admin.getByRole('region', { name: 'Post-mortem' })).toContainText('1 of 2 done');
  await expect(admin.getByRole('region', { name: 'Post-mortem' }).getByText('Published', { exact: true })).toBeVisible();

  // The item's history names who changed what.
  await bobPage.goto('/action-items?all=true&status=all');
  await bobPage.getByRole('link', { name: soonItem }).click();
  await expect(bobPage.getByRole('region', { name: 'History' })).toContainText(`${bob.name} changed status: Open → Done`);

  // The list of post-mortems finds it by its text.
  await admin.goto('/post-mortems?q=average+load');
  await expect(admin.getByRole('link', { name: new RegExp(title) })).toBeVisible();
  await admin.goto('/post-mortems?q=nothing-like-this');
  await expect(admin.getByText('No post-mortems match')).toBeVisible();
  expect(errors).toEqual([]);
  expect(bobErrors).toEqual([]);
  await adminContext.close();
  await bobContext.close();
});

test('sections, items and their errors work without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/post-mortems');
  await page.getByRole('link', { name: /INC-/ }).first().click();
  await expect(page).toHaveURL(/\/post-mortems\/\d+$/);
  // A section saved by a plain form post.
  const lessons = page.getByRole('region', { name: 'Lessons learned' });
  const text = `Load tests catch pool limits ${unique('l')}`;
  // The editor folds away behind "Edit", a native disclosure that opens without JavaScript.
  await lessons.locator('summary', { hasText: 'Edit' }).click();
  await lessons.getByLabel('Lessons learned', { exact: true }).fill(text);
  await lessons.getByRole('button', { name: 'Save section' }).click();
  await expect(page.getByRole('region', { name: 'Lessons learned' }).locator('.entry-body').first()).toContainText(text);
  // A bad deadline comes back beside its field, the title kept.
  const items = page.getByRole('region', { name: 'Action items' });
  await items.getByText('Add an action item').click();
  await items.getByLabel('What needs doing').fill('Write the runbook');
  await items.getByLabel('Deadline').fill('1999-01-01');
  await items.getByRole('button', { name: 'Add action item' }).click();
  await expect(page.getByRole('region', { name: 'Action items' }).locator('.field-error')).toContainText('between a year ago and five years from now');
  await context.close();
});
