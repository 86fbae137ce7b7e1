import { describe, expect, it } from "vitest";
import { version } from "../package.json";
import { api } from "./helpers/api";

describe("GET /api/v1/health", () => {
  it("answers ok with the package version and a request id", async () => {
    const res = await api("GET", "/api/v1/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok", version });
    expect(res.headers.get("x-request-id")).toMatch(/^[\w-]+$/);
  });
});
