import request from 'supertest';
import { MemoryStorage } from '../../src';
import { createApp } from '../helpers/create-app';

test('a mounted router answers CheckFileInfo for a stored file', async () => {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('hello.docx', 'hello');
  const { app, token } = createApp({ storage });
  const res = await request(app)
    .get(`/wopi/files/${fileId}`)
    .query({ access_token: await token(fileId) });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ BaseFileName: 'hello.docx', Size: 5, UserId: 'u1', UserCanWrite: true });
});
