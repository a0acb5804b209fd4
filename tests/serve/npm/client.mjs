// Calls `qilin-bench serve` with the official openai npm client and prints what it got as JSON;
// serve_openai_npm.py compares that with the same calls made over plain HTTP.
// Usage: node client.mjs BASE_URL MODEL API_KEY
import OpenAI from 'openai';

const [baseURL, model, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL: baseURL + '/v1', apiKey, maxRetries: 0 });
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const c = await client.completions.create({
  model, prompt: ['患者发热', '高血压'], max_tokens: 0, echo: true, logprobs: 1, temperature: 0,
});
out.echo = c.choices.map((ch) => ({ index: ch.index, text: ch.text, logprobs: ch.logprobs }));

const g = await client.completions.create({ model, prompt: '糖尿病', max_tokens: 6, temperature: 0 });
out.completion = g.choices[0].text;

const chat = await client.chat.completions.create({
  model, messages: [{ role: 'user', content: '高血压' }], max_tokens: 5, temperature: 0,
});
out.chat = chat.choices[0].message;

try {
  await client.completions.create({ model: 'no-such-model', prompt: 'a', max_tokens: 1 });
  out.error = null;
} catch (e) {
  out.error = { cls: e.constructor.name, status: e.status, message: e.error?.message, code: e.code };
}
const unauthorized = new OpenAI({ baseURL: baseURL + '/v1', apiKey: 'wrong', maxRetries: 0 });
try {
  await unauthorized.models.list();
  out.unauthorized = null;
} catch (e) {
  out.unauthorized = { cls: e.constructor.name, status: e.status, message: e.error?.message };
}
console.log(JSON.stringify(out));
