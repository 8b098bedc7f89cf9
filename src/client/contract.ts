/**
 * Request and response types of the API, read from the very route definitions that validate on
 * the server (type-only imports: nothing of the server reaches a bundle). A contract change the
 * client does not follow fails the typecheck.
 */
import type { z } from "zod";
import type { authContract } from "../routes/auth";
import type { meContract } from "../routes/me";
import type { usersContract } from "../routes/users";

type SchemaIn<C> = C extends { content: { [type: string]: { schema: infer S } } } ? (S extends z.ZodType ? S : never) : never;

/** The JSON (or form) body a route takes, as the caller writes it. */
export type BodyOf<R> = R extends { request: { body: infer B } } ? z.input<SchemaIn<B>> : never;
/** The query a route takes. */
export type QueryOf<R> = R extends { request: { query: infer Q } } ? (Q extends z.ZodType ? z.input<Q> : never) : never;
/** What a route answers with status S. */
export type ReplyOf<R, S extends number> = R extends { responses: { [K in S]: infer Res } } ? z.output<SchemaIn<Res>> : never;

type Auth = typeof authContract;
type Me = typeof meContract;
type Users = typeof usersContract;

export type User = ReplyOf<Me["getMe"], 200>;
export type TokenPair = ReplyOf<Auth["refresh"], 200>;
export type RegisterInput = BodyOf<Auth["register"]>;
export type VerifyInput = BodyOf<Auth["verify"]>;
export type LoginInput = BodyOf<Auth["login"]>;
export type ResetInput = BodyOf<Auth["reset"]>;
export type ProfilePatch = BodyOf<Me["patchMe"]>;
export type PasswordChange = BodyOf<Me["changePassword"]>;
export type UserPage = ReplyOf<Users["listUsers"], 200>;
export type UserListQuery = QueryOf<Users["listUsers"]>;
export type NewUserInput = BodyOf<Users["createUser"]>;
export type UserPatchInput = BodyOf<Users["patchUser"]>;
