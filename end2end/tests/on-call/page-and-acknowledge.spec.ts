import { test, expect } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addPerson, addService, ADMIN, ADMIN_STATE, declareIncident, expectHydrated, failOnPageErrors, signIn, unique } from '../support';

/** An HTTP endpoint standing in for an SMS gateway: it keeps the JSON of every page posted to it. */
async function startGateway(): Promise<{ server: Server; url: string; received: Array<Record<string, unknown>> }> {
  const received: Array<Record<string, unknown>> = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      try {
        received.push(JSON.parse(body));
      } catch {
        received.push({ unreadable: body });
      }
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received };
}

test('declaring a SEV1 pages whoever an override puts on call, who acknowledges through the link', async ({ browser }) => {
  test.setTimeout(120_000);
  const gateway = await startGateway();
  const adminContext = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await adminContext.newPage();
  const errors = failOnPageErrors(admin);

  // Two responders; Bob can be reached through the gateway.
  const ada = { email: `${unique('ada')}@example.com`, name: unique('Ada'), role: 'responder' as const, password: 'ada passphrase 2026' };
  const bob = { email: `${unique('bob')}@example.com`, name: unique('Bob'), role: 'responder' as const, password: 'bob passphrase 2026' };
  await admin.goto('/settings/users');
  await expectHydrated(admin);
  await addPerson(admin, ada);
  await addPerson(admin, bob);
  const bobContext = await browser.newContext();
  const bobPage = await bobContext.newPage();
  await signIn(bobPage, bob.email, bob.password);
  await bobPage.goto('/settings/profile');
  await expectHydrated(bobPage);
  const methods = bobPage.getByRole('region', { name: 'Contact methods' });
  await methods.getByLabel('Kind').selectOption('webhook');
  await methods.getByLabel('Label').fill('Phone');
  await methods.getByLabel('Address or URL').fill(`${gateway.url}/sms?text={message}`);
  await methods.getByRole('button', { name: 'Add contact method' }).click();
  await expect(methods.locator('.cell-title', { hasText: 'Phone' })).toBeVisible();
  await expect(bobPage.getByRole('region', { name: 'On call' })).toContainText('You have no shift in the next 90 days.');

  // A weekly rotation of the two, Ada first: Ada is on call now.
  const schedule = unique('Checkout rota');
  await admin.goto('/on-call');
  await expectHydrated(admin);
  const create = admin.getByRole('region', { name: 'New schedule' });
  await create.getByLabel('Name').fill(schedule);
  await create.getByLabel('Time zone').selectOption('UTC');
  await create.getByRole('button', { name: 'Create schedule' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: schedule })).toBeVisible();
  await expectHydrated(admin);
  const layers = admin.getByRole('region', { name: 'Layers' });
  await layers.locator('summary', { hasText: 'Add a layer' }).click();
  await layers.getByLabel('Person 1').selectOption({ label: ada.name });
  await layers.getByLabel('Person 2').selectOption({ label: bob.name });
  await layers.getByLabel('Shift length').fill('1');
  await layers.getByLabel('Unit').selectOption('weeks');
  await layers.getByLabel('Hand-off time').fill('00:00');
  await layers.getByLabel('First shift starts on').fill(new Date().toISOString().slice(0, 10));
  await layers.getByRole('button', { name: 'Add layer' }).click();
  await expect(admin.locator('header .on-call-now')).toContainText(ada.name);

  // Bob covers for the next hour: he is on call now.
  const overrides = admin.getByRole('region', { name: 'Overrides' });
  await overrides.locator('summary', { hasText: 'Add an override' }).click();
  await overrides.getByLabel('Who is on call').selectOption({ label: bob.name });
  await overrides.getByLabel('How').selectOption('cover');
  await overrides.getByRole('button', { name: 'Add override' }).click();
  await expect(admin.locator('header .on-call-now')).toContainText(bob.name);
  // Bob's profile says so.
  await bobPage.reload();
  await expect(bobPage.getByRole('region', { name: 'On call' })).toContainText(`You are on call for ${schedule} until`);
  await bobContext.close();

  // A service, and a policy that pages whoever is on call on the schedule.
  const service = unique('Checkout');
  await addService(admin, service);

  const policy = unique('Checkout escalation');
  await admin.goto('/on-call/policies');
  await expectHydrated(admin);
  const newPolicy = admin.getByRole('region', { name: 'New escalation policy' });
  await newPolicy.getByLabel('Name', { exact: true }).fill(policy);
  // Nothing to page yet: refused beside the field, and the name stays.
  await newPolicy.getByRole('button', { name: 'Create policy' }).click();
  await expect(newPolicy.locator('.field-error', { hasText: 'Choose at least one person or schedule to page.' })).toBeVisible();
  await expect(newPolicy.getByLabel('Name', { exact: true })).toHaveValue(policy);
  await newPolicy.getByRole('group', { name: 'Schedules (whoever is on call)' }).getByLabel(schedule).check();
  await newPolicy.getByLabel('Minutes to wait before the next level').fill('5');
  await newPolicy.getByRole('button', { name: 'Create policy' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: policy })).toBeVisible();
  await expectHydrated(admin);
  await expect(admin.getByRole('region', { name: 'Levels' })).toContainText(`Pages ${schedule} (schedule)`);
  const services = admin.getByRole('region', { name: 'Services paging through this policy' });
  await services.getByLabel('Service').selectOption({ label: service });
  await services.getByRole('button', { name: 'Page for this service' }).click();
  await expect(services.locator('.cell-title', { hasText: service })).toBeVisible();

  // Declaring a SEV1 on the service pages its policy: the form says whom before it is sent.
  const title = unique('Checkout down');
  await admin.goto('/incidents/declare');
  await expectHydrated(admin);
  await admin.getByLabel('Title').fill(title);
  await admin.getByLabel('Severity').selectOption({ index: 1 });
  const declarePaging = admin.getByRole('group', { name: 'Paging' });
  await expect(declarePaging.getByLabel(`Page ${service} (${policy})`)).toHaveCount(0);
  await admin.getByRole('group', { name: 'Affected services' }).getByLabel(service).check();
  const choice = declarePaging.getByLabel(`Page ${service} (${policy})`);
  await expect(choice).toBeChecked();
  await expect(declarePaging).toContainText(`Pages now: ${bob.name}`);
  // A severity that doesn't page leaves it unticked; back to SEV1 ticks it again.
  await admin.getByLabel('Severity').selectOption({ index: 3 });
  await expect(choice).not.toBeChecked();
  await admin.getByLabel('Severity').selectOption({ index: 1 });
  await expect(choice).toBeChecked();
  await admin.getByRole('button', { name: 'Declare incident' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expectHydrated(admin);
  const paging = admin.getByRole('region', { name: 'Paging' });
  await expect(paging.locator('.badge', { hasText: 'Escalating' })).toBeVisible();
  // Work starting while the page escalates is not its acknowledgement.
  await admin.getByLabel('New status').selectOption({ label: 'Investigating' });
  await admin.getByRole('button', { name: 'Change status' }).click();
  await expect(admin.getByLabel('Status and severity').getByText('Investigating', { exact: true })).toBeVisible();
  await expect(admin.getByRole('region', { name: 'Key times' })).not.toContainText('Time to acknowledge');
  // The engine pages level 1 at once: Bob, because of the override. The page updates live.
  await expect(paging.getByText(`Level 1: ${bob.name}`)).toBeVisible();
  await expect.poll(() => gateway.received.length, { timeout: 15_000 }).toBe(1);
  const sent = gateway.received[0];
  expect(sent.event).toBe('page');
  expect(sent.message).toBe(`SEV1: ${title}`);
  const link = String(sent.acknowledge_url);
  expect(link).toMatch(/\/ack\/[A-Za-z0-9_-]+$/);

  // Bob acknowledges from his phone, without signing in.
  const phone = await browser.newContext();
  const phonePage = await phone.newPage();
  await phonePage.goto(link);
  await expect(phonePage.getByText(`SEV1: ${title}`)).toBeVisible();
  await phonePage.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(phonePage.getByText('the page is acknowledged and the escalation has stopped')).toBeVisible();
  expect((await phone.cookies()).length).toBe(0);
  await phonePage.goto(link);
  await expect(phonePage.getByText('This link has been used or has expired.')).toBeVisible();
  await phone.close();

  // The incident page shows it without a reload: the page, the acknowledgement on the timeline.
  await expect(paging.locator('.badge', { hasText: 'Acknowledged' })).toBeVisible();
  await expect(paging.getByText(new RegExp(`Acknowledged by ${bob.name} after`))).toBeVisible();
  const timeline = admin.getByRole('region', { name: 'Timeline' });
  await expect(timeline.getByText(`${bob.name} acknowledged the page to ${service} (${policy}) through the link in their page`)).toBeVisible();
  await expect(timeline.getByText(`Paged ${bob.name}.`, { exact: true })).toBeVisible();
  // The first acknowledgement is the incident's: time to acknowledge is known now.
  await expect(admin.getByRole('region', { name: 'Key times' })).toContainText('Time to acknowledge');
  await expect(admin.getByRole('region', { name: 'Key times' })).toContainText('when the first page was acknowledged');
  // And on the pages list of the On-call section.
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'On-call' }).click();
  await admin.getByRole('navigation', { name: 'On-call' }).getByRole('link', { name: 'Pages' }).click();
  await expect(admin.getByRole('region', { name: /^Pages/ }).locator('.catalog-item').filter({ hasText: service }).first()).toContainText('Acknowledged');
  expect(gateway.received.length).toBe(1);
  expect(errors).toEqual([]);
  await adminContext.close();
  gateway.server.close();
});

test('a person is paged and acknowledges on the pages list without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/on-call/pages');
  const form = page.getByRole('region', { name: 'Page someone' });
  // A blank message comes back beside its field.
  await form.getByLabel('Page', { exact: true }).selectOption({ label: `Person: ${ADMIN.name}` });
  const target = await form.getByLabel('Page', { exact: true }).inputValue();
  await form.getByLabel('Message').fill('   ');
  await form.getByRole('button', { name: 'Send page' }).click();
  await expect(form.locator('.field-error', { hasText: 'Say why you are paging.' })).toBeVisible();
  const message = unique('Disk almost full on db-2');
  await form.getByLabel('Page', { exact: true }).selectOption(target);
  await form.getByLabel('Message').fill(message);
  await form.getByRole('button', { name: 'Send page' }).click();
  const item = page.getByRole('region', { name: /^Pages/ }).locator('.catalog-item', { hasText: message });
  await expect(item).toBeVisible();
  await item.getByRole('button', { name: /^Acknowledge/ }).click();
  await expect(page.getByRole('region', { name: /^Pages/ }).locator('.catalog-item', { hasText: message })).toContainText('Acknowledged by');
  await context.close();
});
