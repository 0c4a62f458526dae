// Tensor manipulation ops (Reshape, Flatten, Transpose, Concat, Pad, Gather, Slice, Cast, ...)
// against hand-computed values and naive index arithmetic: the reference functions, shape
// inference with its error cases, and the OpKernel wrappers.
#include "tensorops_test_util.h"

#include "core/dtype_convert.h"
#include "ir/shape_rules.h"
#include "reference/tensor_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace castnet {
namespace {

using tensorops_test::attrs_with;
using tensorops_test::expect_error;
using tensorops_test::f32s;
using tensorops_test::GraphBuilder;
using tensorops_test::i64_vector;
using tensorops_test::i64s;
using tensorops_test::iota_f32;
using tensorops_test::run_reference_node;
using tensorops_test::values_of;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Output shape of Reshape(x of in_shape, target) as inferred.
Shape reshape_shape(const Shape& in_shape, const std::vector<int64_t>& target, int64_t allowzero = 0) {
  GraphBuilder b;
  ir::ValueId y = b.node1("Reshape", {b.input("x", in_shape), b.constant("s", i64_vector(target))},
                          attrs_with([&](auto& a) { if (allowzero) a.set_int("allowzero", allowzero); }));
  b.infer({y});
  return b.value(y).shape;
}

// ---- Reshape, Flatten, Squeeze, Unsqueeze ------------------------------------------------------

TEST(ReferenceTensorReshape, ZeroCopiesAndMinusOneInfers) {
  EXPECT_EQ(reshape_shape({2, 3, 4}, {0, -1}), (Shape{2, 12}));
  EXPECT_EQ(reshape_shape({2, 3, 4}, {-1, 0}), (Shape{8, 3}));
  EXPECT_EQ(reshape_shape({2, 3, 4}, {4, 0, 2}), (Shape{4, 3, 2}));
  EXPECT_EQ(reshape_shape({2, 3, 4}, {24}), (Shape{24}));
  EXPECT_EQ(reshape_shape({2, 3, 4}, {-1}), (Shape{24}));
  EXPECT_EQ(reshape_shape({1, 1}, {}), Shape{});
}

TEST(ReferenceTensorReshape, AllowZero) {
  // allowzero=1: a 0 is a real zero-size dimension, not a copy.
  EXPECT_EQ(reshape_shape({0, 3}, {3, 0}, 1), (Shape{3, 0}));
  EXPECT_EQ(reshape_shape({3, 4}, {0, 4}, 0), (Shape{3, 4}));
  expect_error([] { reshape_shape({3, 4}, {0, 4}, 1); }, "cannot reshape");
  expect_error([] { reshape_shape({0, 4}, {0, -1}, 1); }, "both 0 and -1");
}

TEST(ReferenceTensorReshape, Errors) {
  expect_error([] { reshape_shape({2, 3, 4}, {-1, -1}); }, "more than one -1");
  expect_error([] { reshape_shape({2, 3, 4}, {5, -1}); }, "cannot reshape");
  expect_error([] { reshape_shape({2, 3, 4}, {2, 3}); }, "cannot reshape");
  expect_error([] { reshape_shape({2, 3}, {2, -2}); }, "invalid dimension");
  expect_error([] { reshape_shape({6}, {6, 0}); }, "rank");
  expect_error([] { reshape_shape({1, 6}, {}); }, "cannot reshape");
  GraphBuilder b;
  ir::ValueId y = b.node1("Reshape", {b.input("x", {2, 3}), b.input("shape", {2}, DType::i64)});
  expect_error([&] { b.infer({y}); }, "Reshape shape must be constant");
}

TEST(ReferenceTensorReshape, UnknownDimensions) {
  // A symbolic batch stays unknown, and so does whatever depends on it.
  EXPECT_EQ(reshape_shape({-1, 3, 4}, {0, 12}), (Shape{-1, 12}));
  EXPECT_EQ(reshape_shape({-1, 3, 4}, {0, -1}), (Shape{-1, -1}));
  EXPECT_EQ(reshape_shape({-1, 3, 4}, {-1, 6}), (Shape{-1, 6}));
}

TEST(ReferenceTensorReshape, KernelCopies) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {2, 3});
  ir::ValueId y = b.node1("Reshape", {x, b.constant("s", i64_vector({3, -1}))});
  b.infer({y});
  Tensor out = run_reference_node(b.graph, 0, {{x, iota_f32({2, 3})}})[0];
  EXPECT_EQ(out.shape(), (Shape{3, 2}));
  EXPECT_EQ(values_of<float>(out), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(ReferenceTensorFlatten, Axes) {
  auto flat = [](const Shape& in, int64_t axis) {
    GraphBuilder b;
    ir::ValueId y = b.node1("Flatten", {b.input("x", in)}, attrs_with([&](auto& a) { a.set_int("axis", axis); }));
    b.infer({y});
    return b.value(y).shape;
  };
  EXPECT_EQ(flat({2, 3, 4}, 0), (Shape{1, 24}));
  EXPECT_EQ(flat({2, 3, 4}, 1), (Shape{2, 12}));
  EXPECT_EQ(flat({2, 3, 4}, 3), (Shape{24, 1}));
  EXPECT_EQ(flat({2, 3, 4}, -1), (Shape{6, 4}));
  EXPECT_EQ(flat({2, 3, 4}, -3), (Shape{1, 24}));
  EXPECT_EQ(flat({-1, 3, 4}, 1), (Shape{-1, 12}));
  expect_error([&] { flat({2, 3, 4}, 4); }, "out of range");
  expect_error([&] { flat({2, 3, 4}, -4); }, "out of range");
}

TEST(ReferenceTensorSqueeze, AxesAttributeBefore13InputFrom13) {
  {
    GraphBuilder b(11);
    ir::ValueId x = b.input("x", {3, 4});
    ir::ValueId u = b.node1("Unsqueeze", {x}, attrs_with([](auto& a) { a.set_ints("axes", {-1, 0}); }));
    ir::ValueId s = b.node1("Squeeze", {u}, attrs_with([](auto& a) { a.set_ints("axes", {0}); }));
    b.infer({s});
    EXPECT_EQ(b.value(u).shape, (Shape{1, 3, 4, 1}));
    EXPECT_EQ(b.value(s).shape, (Shape{3, 4, 1}));
  }
  {
    GraphBuilder b(13);
    ir::ValueId x = b.input("x", {3, 1, 4, 1});
    ir::ValueId u = b.node1("Unsqueeze", {x, b.constant("ua", i64_vector({1, 5}))});
    ir::ValueId s = b.node1("Squeeze", {x});
    ir::ValueId s2 = b.node1("Squeeze", {x, b.constant("sa", i64_vector({-1}))});
    b.infer({u, s, s2});
    EXPECT_EQ(b.value(u).shape, (Shape{3, 1, 1, 4, 1, 1}));
    EXPECT_EQ(b.value(s).shape, (Shape{3, 4}));
    EXPECT_EQ(b.value(s2).shape, (Shape{3, 1, 4}));
  }
  {
    GraphBuilder b(13);
    ir::ValueId s = b.node1("Squeeze", {b.input("x", {3, 4}), b.constant("a", i64_vector({0}))});
    expect_error([&] { b.infer({s}); }, "cannot squeeze");
  }
  {
    GraphBuilder b(13);
    ir::ValueId u = b.node1("Unsqueeze", {b.input("x", {3}), b.constant("a", i64_vector({0, 0}))});
    expect_error([&] { b.infer({u}); }, "twice");
  }
}

// ---- Transpose -------------------------------------------------------------------------------

TEST(ReferenceTensorTranspose, AllPermutationsOf2x3x4) {
  const Shape in_shape{2, 3, 4};
  Tensor x = iota_f32(in_shape);
  std::vector<int64_t> perm{0, 1, 2};
  int seen = 0;
  do {
    Shape out_shape{in_shape[perm[0]], in_shape[perm[1]], in_shape[perm[2]]};
    Tensor y(DType::f32, out_shape);
    reference::transpose(TensorView::of(x), perm, TensorView::of(y));
    // Every input element lands where its permuted coordinates say.
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j)
        for (int64_t k = 0; k < 4; ++k) {
          const int64_t c[3] = {i, j, k};
          const int64_t o = (c[perm[0]] * out_shape[1] + c[perm[1]]) * out_shape[2] + c[perm[2]];
          ASSERT_EQ(y.data_as<float>()[o], static_cast<float>((i * 3 + j) * 4 + k));
        }
    // Shape inference agrees.
    GraphBuilder b;
    ir::ValueId t = b.node1("Transpose", {b.input("x", in_shape)}, attrs_with([&](auto& a) { a.set_ints("perm", perm); }));
    b.infer({t});
    EXPECT_EQ(b.value(t).shape, out_shape);
    ++seen;
  } while (std::next_permutation(perm.begin(), perm.end()));
  EXPECT_EQ(seen, 6);
}

TEST(ReferenceTensorTranspose, DefaultReversesAndFolds) {
  GraphBuilder b;
  ir::ValueId t = b.node1("Transpose", {b.constant("c", iota_f32({2, 3}))});
  b.infer({t});
  ASSERT_TRUE(b.value(t).is_constant());
  EXPECT_EQ(b.value(t).shape, (Shape{3, 2}));
  EXPECT_EQ(values_of<float>(*b.value(t).constant), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(ReferenceTensorTranspose, BadPerm) {
  for (std::vector<int64_t> perm : {std::vector<int64_t>{0, 0, 1}, {0, 1}, {0, 1, 3}, {-1, 0, 1}}) {
    GraphBuilder b;
    ir::ValueId t = b.node1("Transpose", {b.input("x", {2, 3, 4})}, attrs_with([&](auto& a) { a.set_ints("perm", perm); }));
    expect_error([&] { b.infer({t}); }, "perm");
  }
  Tensor x = iota_f32({2, 3});
  Tensor y(DType::f32, {3, 2});
  expect_error([&] { reference::transpose(TensorView::of(x), {1, 1}, TensorView::of(y)); }, "perm");
}

// ---- Concat ----------------------------------------------------------------------------------

TEST(ReferenceTensorConcat, NegativeAxis) {
  GraphBuilder b;
  ir::ValueId a = b.input("a", {2, 1});
  ir::ValueId c = b.input("c", {2, 2});
  ir::ValueId y = b.node1("Concat", {a, c}, attrs_with([](auto& at) { at.set_int("axis", -1); }));
  b.infer({y});
  EXPECT_EQ(b.value(y).shape, (Shape{2, 3}));
  Tensor out = run_reference_node(b.graph, 0, {{a, f32s({2, 1}, {1, 2})}, {c, f32s({2, 2}, {10, 11, 20, 21})}})[0];
  EXPECT_EQ(values_of<float>(out), (std::vector<float>{1, 10, 11, 2, 20, 21}));
}

TEST(ReferenceTensorConcat, Axis0OfI64AndUnknowns) {
  std::vector<TensorView> xs;
  Tensor a = i64s({1, 2}, {1, 2}), c = i64s({2, 2}, {3, 4, 5, 6});
  Tensor y(DType::i64, {3, 2});
  reference::concat({TensorView::of(a), TensorView::of(c)}, 0, TensorView::of(y));
  EXPECT_EQ(values_of<int64_t>(y), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  GraphBuilder b;
  ir::ValueId z = b.node1("Concat", {b.input("p", {-1, 3}), b.input("q", {2, -1})},
                          attrs_with([](auto& at) { at.set_int("axis", 1); }));
  b.infer({z});
  EXPECT_EQ(b.value(z).shape, (Shape{2, -1}));
}

TEST(ReferenceTensorConcat, Errors) {
  auto concat = [](const Shape& p, const Shape& q, int64_t axis, DType qt = DType::f32) {
    GraphBuilder b;
    ir::ValueId z = b.node1("Concat", {b.input("p", p), b.input("q", q, qt)}, attrs_with([&](auto& a) { a.set_int("axis", axis); }));
    b.infer({z});
  };
  expect_error([&] { concat({2, 3}, {2, 3, 1}, 0); }, "rank");
  expect_error([&] { concat({2, 3}, {2, 4}, 0); }, "differ outside the axis");
  expect_error([&] { concat({2, 3}, {2, 3}, 2); }, "out of range");
  expect_error([&] { concat({2, 3}, {2, 3}, 0, DType::i64); }, "dtype");
  GraphBuilder b;
  ir::ValueId z = b.node1("Concat", {b.input("p", {2})});
  expect_error([&] { b.infer({z}); }, "'axis' is required");
}

// ---- Pad -------------------------------------------------------------------------------------

TEST(ReferenceTensorPad, AsymmetricConstant) {
  Tensor x = f32s({2, 3}, {1, 2, 3, 4, 5, 6});
  // One row before, none after; no column before, two after.
  Tensor y(DType::f32, {3, 5});
  const float nine = 9;
  reference::pad_constant(TensorView::of(x), {1, 0, 0, 2}, &nine, TensorView::of(y));
  EXPECT_EQ(values_of<float>(y), (std::vector<float>{9, 9, 9, 9, 9,  //
                                                     1, 2, 3, 9, 9,  //
                                                     4, 5, 6, 9, 9}));
  // Negative pads crop.
  Tensor z(DType::f32, {2, 2});
  reference::pad_constant(TensorView::of(x), {0, -1, 0, 0}, nullptr, TensorView::of(z));
  EXPECT_EQ(values_of<float>(z), (std::vector<float>{2, 3, 5, 6}));
}

TEST(ReferenceTensorPad, SchemaAndKernelOpset11And2) {
  {
    GraphBuilder b(11);
    ir::ValueId x = b.input("x", {2, 3});
    ir::ValueId y = b.node1("Pad", {x, b.constant("p", i64_vector({0, 2, 1, 0})), b.constant("v", f32s({}, {-1}))});
    b.infer({y});
    EXPECT_EQ(b.value(y).shape, (Shape{3, 5}));
    EXPECT_EQ(values_of<float>(run_reference_node(b.graph, 0, {{x, iota_f32({2, 3})}})[0]),
              (std::vector<float>{-1, -1, 0, 1, 2, -1, -1, 3, 4, 5, -1, -1, -1, -1, -1}));
  }
  {
    GraphBuilder b(2);
    ir::ValueId x = b.input("x", {1, 2});
    ir::ValueId y = b.node1("Pad", {x}, attrs_with([](auto& a) { a.set_ints("pads", {0, 1, 0, 0}); a.set_float("value", 7); }));
    b.infer({y});
    EXPECT_EQ(values_of<float>(run_reference_node(b.graph, 0, {{x, f32s({1, 2}, {1, 2})}})[0]),
              (std::vector<float>{7, 1, 2}));
  }
}

TEST(ReferenceTensorPad, Errors) {
  auto pad = [](const std::string& mode, std::vector<int64_t> pads) {
    GraphBuilder b(13);
    ir::ValueId y = b.node1("Pad", {b.input("x", {2, 3}), b.constant("p", i64_vector(pads))},
                            attrs_with([&](auto& a) { a.set_string("mode", mode); }));
    b.infer({y});
  };
  expect_error([&] { pad("reflect", {0, 0, 0, 0}); }, "unsupported");
  expect_error([&] { pad("constant", {1, 1}); }, "pads has 2 values");
  expect_error([&] { pad("constant", {-3, 0, 0, 0}); }, "negative");
}

// ---- Identity, Dropout, Constant ---------------------------------------------------------------

TEST(ReferenceTensorDropout, InferenceCopiesAndMaskIsTrue) {
  GraphBuilder b(13);
  ir::ValueId x = b.input("x", {2, 2});
  std::vector<ir::ValueId> out = b.node("Dropout", {x, b.constant("r", f32s({}, {0.5f}))}, {}, 2);
  b.infer(out);
  EXPECT_EQ(b.value(out[1]).dtype, DType::boolean);
  std::vector<Tensor> y = run_reference_node(b.graph, 0, {{x, f32s({2, 2}, {1, 2, 3, 4})}});
  EXPECT_EQ(values_of<float>(y[0]), (std::vector<float>{1, 2, 3, 4}));
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(static_cast<const uint8_t*>(y[1].data())[i], 1);

  GraphBuilder t(13);
  Tensor yes = Tensor::from_vector<bool>({}, {true});
  ir::ValueId d = t.node1("Dropout", {t.input("x", {2}), t.constant("r", f32s({}, {0.5f})), t.constant("m", yes)});
  expect_error([&] { t.infer({d}); }, "training mode");
  GraphBuilder n(13);
  ir::ValueId e = n.node1("Dropout", {n.input("x", {2}), ir::kNoValue, n.input("m", {}, DType::boolean)});
  expect_error([&] { n.infer({e}); }, "training_mode must be constant");
}

TEST(ReferenceTensorConstant, ValueKinds) {
  auto constant = [](const std::function<void(ir::Attributes&)>& fill) {
    GraphBuilder b;
    ir::ValueId c = b.node1("Constant", {}, attrs_with(fill));
    b.infer({c});
    EXPECT_TRUE(b.value(c).is_constant());
    return *b.value(c).constant;
  };
  EXPECT_EQ(values_of<int64_t>(constant([](auto& a) { a.set_ints("value_ints", {3, -1}); })), (std::vector<int64_t>{3, -1}));
  Tensor f = constant([](auto& a) { a.set_float("value_float", 2.5f); });
  EXPECT_EQ(f.shape(), Shape{});
  EXPECT_EQ(values_of<float>(f), std::vector<float>{2.5f});
  EXPECT_EQ(constant([](auto& a) { a.set_int("value_int", 7); }).dtype(), DType::i64);
  EXPECT_EQ(constant([](auto& a) { a.set_floats("value_floats", {1, 2}); }).shape(), Shape{2});
  auto t = std::make_shared<const Tensor>(iota_f32({2, 2}));
  EXPECT_EQ(values_of<float>(constant([&](auto& a) { a.set_tensor("value", t); })), (std::vector<float>{0, 1, 2, 3}));
  expect_error([&] { constant([&](auto& a) { a.set_tensor("sparse_value", t); }); }, "sparse_value");
  expect_error([&] { constant([](auto&) {}); }, "exactly one");

  // The kernel copies the folded value when it is executed anyway.
  GraphBuilder b;
  ir::ValueId c = b.node1("Constant", {}, attrs_with([](auto& a) { a.set_ints("value_ints", {4, 5}); }));
  b.infer({c});
  EXPECT_EQ(values_of<int64_t>(run_reference_node(b.graph, 0)[0]), (std::vector<int64_t>{4, 5}));
}

// ---- Gather, Slice, Cast, Shape, ConstantOfShape ----------------------------------------------

TEST(ReferenceTensorGather, AxesAndNegativeIndices) {
  Tensor data = iota_f32({3, 4});
  Tensor rows = i64s({2}, {-1, 0});
  Tensor y0(DType::f32, {2, 4});
  reference::gather(TensorView::of(data), TensorView::of(rows), 0, TensorView::of(y0));
  EXPECT_EQ(values_of<float>(y0), (std::vector<float>{8, 9, 10, 11, 0, 1, 2, 3}));
  Tensor cols = Tensor::from_vector<int32_t>({2, 2}, {3, 1, -4, 2});
  Tensor y1(DType::f32, {3, 2, 2});
  reference::gather(TensorView::of(data), TensorView::of(cols), 1, TensorView::of(y1));
  EXPECT_EQ(values_of<float>(y1), (std::vector<float>{3, 1, 0, 2, 7, 5, 4, 6, 11, 9, 8, 10}));
  Tensor bad = i64s({1}, {4});
  Tensor y2(DType::f32, {3, 1});
  expect_error([&] { reference::gather(TensorView::of(data), TensorView::of(bad), 1, TensorView::of(y2)); },
               "out of range");
}

TEST(ReferenceTensorGather, KernelAtRunTimeAndSchema) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {2, 3});
  ir::ValueId y = b.node1("Gather", {x, b.constant("i", i64s({}, {-2}))}, attrs_with([](auto& a) { a.set_int("axis", -1); }));
  b.infer({y});
  EXPECT_EQ(b.value(y).shape, (Shape{2}));
  EXPECT_EQ(values_of<float>(run_reference_node(b.graph, 0, {{x, iota_f32({2, 3})}})[0]), (std::vector<float>{1, 4}));
  GraphBuilder c;
  ir::ValueId z = c.node1("Gather", {c.input("x", {2, 3}), c.input("i", {2}, DType::f32)});
  expect_error([&] { c.infer({z}); }, "dtype");
}

TEST(ReferenceTensorSlice, ClampsNegativesAndSteps) {
  ir::SliceRanges r = ir::resolve_slice({4, 5}, {0, -1}, {kMax, -kMax}, {0, 1}, {2, -2});
  EXPECT_EQ(r.out_shape, (Shape{2, 3}));
  EXPECT_EQ(r.starts, (std::vector<int64_t>{0, 4}));
  Tensor x = iota_f32({4, 5});
  Tensor y(DType::f32, r.out_shape);
  reference::slice(TensorView::of(x), r.starts, r.steps, TensorView::of(y));
  EXPECT_EQ(values_of<float>(y), (std::vector<float>{4, 2, 0, 14, 12, 10}));
  // Out-of-bounds starts give empty ranges; default axes are 0..n-1.
  EXPECT_EQ(ir::resolve_slice({4, 5}, {10, 1}, {20, 3}, {}, {}).out_shape, (Shape{0, 2}));
  EXPECT_EQ(ir::resolve_slice({4, 5}, {-100}, {2}, {-1}, {}).out_shape, (Shape{4, 2}));
  EXPECT_EQ(ir::resolve_slice({7}, {5}, {-kMax}, {}, {std::numeric_limits<int64_t>::min()}).out_shape, (Shape{1}));
  expect_error([] { ir::resolve_slice({4}, {0}, {1}, {}, {0}); }, "step");
  expect_error([] { ir::resolve_slice({4, 5}, {0, 0}, {1, 1}, {1, -1}, {}); }, "twice");
  expect_error([] { ir::resolve_slice({4}, {0}, {1, 2}, {}, {}); }, "differ");
}

TEST(ReferenceTensorSlice, KernelUsesConstantRanges) {
  GraphBuilder b(13);
  ir::ValueId x = b.input("x", {3, 4});
  ir::ValueId y = b.node1("Slice", {x, b.constant("s", i64_vector({1})), b.constant("e", i64_vector({-1})),
                                   b.constant("a", i64_vector({1}))});
  b.infer({y});
  EXPECT_EQ(b.value(y).shape, (Shape{3, 2}));
  EXPECT_EQ(values_of<float>(run_reference_node(b.graph, 0, {{x, iota_f32({3, 4})}})[0]),
            (std::vector<float>{1, 2, 5, 6, 9, 10}));
  GraphBuilder c(13);
  ir::ValueId z = c.node1("Slice", {c.input("x", {3, 4}), c.input("s", {1}, DType::i64), c.constant("e", i64_vector({2}))});
  expect_error([&] { c.infer({z}); }, "starts must be constant");
}

TEST(ReferenceTensorCast, Conversions) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto cast = [](const Tensor& x, DType to) {
    Tensor y(to, x.shape());
    reference::cast(TensorView::of(x), TensorView::of(y));
    return y;
  };
  Tensor f = f32s({6}, {2.7f, -2.7f, 0, 1e20f, -1e20f, nan});
  EXPECT_EQ(values_of<int32_t>(cast(f, DType::i32)),
            (std::vector<int32_t>{2, -2, 0, std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(), 0}));
  EXPECT_EQ(values_of<int64_t>(cast(f, DType::i64))[3], std::numeric_limits<int64_t>::max());
  Tensor b = cast(f, DType::boolean);
  EXPECT_EQ(std::vector<uint8_t>(static_cast<const uint8_t*>(b.data()), static_cast<const uint8_t*>(b.data()) + 6),
            (std::vector<uint8_t>{1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(values_of<float>(cast(b, DType::f32)), (std::vector<float>{1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(values_of<int8_t>(cast(i64s({3}, {300, -1, 127}), DType::i8)), (std::vector<int8_t>{44, -1, 127}));
  EXPECT_EQ(values_of<float>(cast(i64s({2}, {-5, 1 << 20}), DType::f32)), (std::vector<float>{-5, 1 << 20}));

  GraphBuilder g;
  ir::ValueId y = g.node1("Cast", {g.input("x", {2})}, attrs_with([](auto& a) { a.set_int("to", 11); }));  // double
  expect_error([&] { g.infer({y}); }, "unsupported");
  GraphBuilder h;
  ir::ValueId z = h.node1("Cast", {h.constant("c", f32s({2}, {1.5f, -3}))}, attrs_with([](auto& a) { a.set_int("to", 7); }));
  h.infer({z});
  ASSERT_TRUE(h.value(z).is_constant());
  EXPECT_EQ(values_of<int64_t>(*h.value(z).constant), (std::vector<int64_t>{1, -3}));
}

TEST(ReferenceTensorCast, HalfAndBFloat16) {
  // Bit patterns worked out by hand from the IEEE binary16 layout (1 sign, 5 exponent, 10 mantissa).
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);                     // largest finite
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);                     // ties to even: up to inf
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);        // smallest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);        // tie, rounds to even 0
  EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);        // tie between 1 and 2: even
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00); // tie: mantissa stays even
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(3.0f, -11)), 0x3c02); // tie: rounds up to even
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14) * (1 - std::ldexp(1.0f, -12))), 0x0400);  // rounds up to the smallest normal
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_TRUE((float_to_half(std::numeric_limits<float>::quiet_NaN()) & 0x7fff) > 0x7c00);
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
  EXPECT_EQ(half_to_float(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(half_to_float(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
  // Every finite half survives the round trip through float.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00) continue;
    ASSERT_EQ(float_to_half(half_to_float(static_cast<uint16_t>(h))), h) << h;
  }
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);  // tie: even
  EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(3.0f, -8)), 0x3f82);
  EXPECT_EQ(bf16_to_float(0xc040), -3.0f);
  // Through Cast.
  Tensor x = f32s({3}, {0.5f, -1.5f, 1e6f});
  Tensor h(DType::f16, {3});
  reference::cast(TensorView::of(x), TensorView::of(h));
  EXPECT_EQ(std::vector<uint16_t>(static_cast<const uint16_t*>(h.data()), static_cast<const uint16_t*>(h.data()) + 3),
            (std::vector<uint16_t>{0x3800, 0xbe00, 0x7c00}));
  Tensor back(DType::i32, {3});
  reference::cast(TensorView::of(h), TensorView::of(back));
  EXPECT_EQ(values_of<int32_t>(back), (std::vector<int32_t>{0, -1, std::numeric_limits<int32_t>::max()}));
}

TEST(ReferenceTensorShape, StartEndAndKernel) {
  GraphBuilder b(15);
  ir::ValueId x = b.input("x", {-1, 3, 4, 5});
  ir::ValueId all = b.node1("Shape", {x});
  ir::ValueId tail = b.node1("Shape", {x}, attrs_with([](auto& a) { a.set_int("start", -2); }));
  ir::ValueId mid = b.node1("Shape", {x}, attrs_with([](auto& a) { a.set_int("start", 1); a.set_int("end", -1); }));
  ir::ValueId none = b.node1("Shape", {x}, attrs_with([](auto& a) { a.set_int("start", 3); a.set_int("end", 1); }));
  b.infer({all, tail, mid, none});
  EXPECT_EQ(b.value(all).shape, Shape{4});
  EXPECT_FALSE(b.value(all).is_constant());  // the batch is not known yet
  EXPECT_EQ(values_of<int64_t>(*b.value(tail).constant), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(values_of<int64_t>(*b.value(mid).constant), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(b.value(none).shape, Shape{0});
  // At run time the kernel reads the actual shape.
  EXPECT_EQ(values_of<int64_t>(run_reference_node(b.graph, 0, {{x, Tensor(DType::f32, {2, 3, 4, 5})}})[0]),
            (std::vector<int64_t>{2, 3, 4, 5}));
}

TEST(ReferenceTensorConstantOfShape, FillsWithValue) {
  GraphBuilder b;
  auto seven = std::make_shared<const Tensor>(i64s({1}, {7}));
  ir::ValueId y = b.node1("ConstantOfShape", {b.constant("s", i64_vector({2, 3}))},
                          attrs_with([&](auto& a) { a.set_tensor("value", seven); }));
  ir::ValueId z = b.node1("ConstantOfShape", {b.constant("e", i64_vector({}))});
  b.infer({y, z});
  ASSERT_TRUE(b.value(y).is_constant());
  EXPECT_EQ(b.value(y).shape, (Shape{2, 3}));
  EXPECT_EQ(values_of<int64_t>(*b.value(y).constant), std::vector<int64_t>(6, 7));
  EXPECT_EQ(b.value(z).shape, Shape{});
  EXPECT_EQ(values_of<float>(*b.value(z).constant), std::vector<float>{0});
  EXPECT_EQ(values_of<int64_t>(run_reference_node(b.graph, 0)[0]), std::vector<int64_t>(6, 7));
  GraphBuilder c;
  ir::ValueId w = c.node1("ConstantOfShape", {c.constant("s", i64_vector({2, -3}))});
  expect_error([&] { c.infer({w}); }, "negative");
}

}  // namespace
}  // namespace castnet
